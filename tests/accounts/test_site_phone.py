"""A site's phone is stored in E.164 like a customer's (issue 12): typed without its +country code it is read in the
garage's country; a number that cannot be one is refused with INVALID_PHONE (en and th) and nothing is saved."""

from __future__ import annotations

CREATE = """mutation($input: CreateSiteInput!) { createSite(input: $input) { site { id phone }
  errors { field code message } } }"""
UPDATE = """mutation($input: UpdateSiteInput!) { updateSite(input: $input) { site { id phone }
  errors { field code message } } }"""
COUNTRY = """mutation($c: String!) { updateGarageSettings(input: {country: $c}) { garage { country }
  errors { code } } }"""


async def _country(gql, token: str, country: str) -> None:
    r = (await gql(COUNTRY, {"c": country}, token=token))["data"]["updateGarageSettings"]
    assert r["errors"] == [] and r["garage"]["country"] == country


async def test_site_phone_in_e164_by_the_garage_country_and_bad_ones_refused(gql, garage):
    token = garage.token()
    await _country(gql, token, "TH")
    site = (await gql(CREATE, {"input": {"name": "Bang Na", "phone": "02-000-2222"}}, token=token))["data"]["createSite"]
    assert site["errors"] == [] and site["site"]["phone"] == "+6620002222"
    sid = site["site"]["id"]
    international = (await gql(UPDATE, {"input": {"id": sid, "phone": "+44 20 7946 0958"}}, token=token))
    assert international["data"]["updateSite"]["site"]["phone"] == "+442079460958"

    for lang, message in (("en", "Enter a valid phone number."), ("th", "กรุณากรอกหมายเลขโทรศัพท์ให้ถูกต้อง")):
        bad = (await gql(UPDATE, {"input": {"id": sid, "phone": "12"}}, token=token, lang=lang))["data"]["updateSite"]
        assert bad["site"] is None
        assert bad["errors"] == [{"field": "phone", "code": "INVALID_PHONE", "message": message}]
        refused = (await gql(CREATE, {"input": {"name": "Nowhere", "phone": "call us"}}, token=token,
                             lang=lang))["data"]["createSite"]
        assert refused["site"] is None and [e["code"] for e in refused["errors"]] == ["INVALID_PHONE"]
    sites = (await gql("{ sites(includeInactive: true) { name phone } }", token=token))["data"]["sites"]
    assert sites == [{"name": "Bang Na", "phone": "+442079460958"}]  # nothing saved by the refusals

    # a UK garage reads a national number as British
    await _country(gql, token, "GB")
    uk = (await gql(UPDATE, {"input": {"id": sid, "phone": "020 7946 0958"}}, token=token))["data"]["updateSite"]
    assert uk["errors"] == [] and uk["site"]["phone"] == "+442079460958"
    cleared = (await gql(UPDATE, {"input": {"id": sid, "phone": None}}, token=token))["data"]["updateSite"]
    assert cleared["errors"] == [] and cleared["site"]["phone"] is None
