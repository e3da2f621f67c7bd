"""Admin operations: users, sites, garage settings; with localized refusals that change nothing."""

import pytest

from tests.conftest import error_codes

CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  user { id email name role streams homeSite { name } locale active } errors { field code message } } }"""


async def test_admin_creates_a_technician_who_can_sign_in(gql, garage):
    site = (await gql('mutation { createSite(input: {name: "Main", code: "M1"}) { site { id } errors { code } } }',
                      token=garage.token()))["data"]["createSite"]["site"]
    body = await gql(CREATE_USER, {"input": {
        "email": "New.Tech@Example.com", "name": "New Tech", "password": "long enough pw", "role": "TECHNICIAN",
        "streams": ["BODY", "ELECTRICAL"], "homeSiteId": site["id"], "locale": "TH"}}, token=garage.token())
    user = body["data"]["createUser"]["user"]
    assert user["email"] == "new.tech@example.com"
    assert user["streams"] == ["BODY", "ELECTRICAL"] and user["homeSite"] == {"name": "Main"}
    login = await gql('mutation { login(input: {email: "new.tech@example.com", password: "long enough pw"}) '
                      '{ accessToken errors { code } } }')
    assert login["data"]["login"]["errors"] == []


@pytest.mark.parametrize("lang", ["en", "th"])
async def test_bad_user_input_gets_every_field_error_and_creates_nothing(gql, garage, lang):
    before = (await gql("{ users(active: null) { id } }", token=garage.token()))["data"]["users"]
    existing = next(iter(garage.users.values())).email
    body = await gql(CREATE_USER, {"input": {"email": existing, "name": " ", "password": "short",
                                             "role": "TECHNICIAN", "streams": []}}, token=garage.token(), lang=lang)
    errors = body["data"]["createUser"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("email", "EMAIL_TAKEN"), ("name", "REQUIRED"), ("password", "PASSWORD_TOO_SHORT"),
        ("streams", "TECHNICIAN_NEEDS_STREAM")}
    messages = {e["code"]: e["message"] for e in errors}
    if lang == "th":
        assert messages["REQUIRED"] == "ต้องกรอกช่องนี้"
        assert messages["PASSWORD_TOO_SHORT"] == "รหัสผ่านต้องมีอย่างน้อย 10 ตัวอักษร"
    else:
        assert messages["PASSWORD_TOO_SHORT"] == "The password must have at least 10 characters."
    after = (await gql("{ users(active: null) { id } }", token=garage.token()))["data"]["users"]
    assert after == before


async def test_garage_settings_update_and_validation(gql, garage):
    body = await gql("""mutation { updateGarageSettings(input: {name: "Garage One Ltd", currency: "inr",
        timeZone: "Asia/Kolkata", taxLabel: "GST", taxRate: "18", pricesIncludeTax: true, defaultLocale: TH,
        taxId: "0105556123453", branch: "00001", address: "1 Road"}) {
        garage { name currency timeZone taxLabel taxRate pricesIncludeTax defaultLocale taxId branch version }
        errors { code } } }""", token=garage.token())
    g = body["data"]["updateGarageSettings"]["garage"]
    assert g["currency"] == "INR" and g["taxLabel"] == "GST" and g["pricesIncludeTax"] is True
    assert g["taxRate"] in ("18", "18.000") and g["defaultLocale"] == "TH" and g["version"] == 2
    bad = await gql("""mutation { updateGarageSettings(input: {currency: "XXQ", timeZone: "Mars/Base",
        taxRate: "107", taxId: "12345"}) { garage { name } errors { field code } } }""", token=garage.token())
    assert {(e["field"], e["code"]) for e in bad["data"]["updateGarageSettings"]["errors"]} == {
        ("currency", "INVALID_CURRENCY"), ("timeZone", "INVALID_TIME_ZONE"), ("taxRate", "INVALID_TAX_RATE"),
        ("taxId", "INVALID_TAX_ID")}
    unchanged = (await gql("{ garage { currency timeZone version } }", token=garage.token()))["data"]["garage"]
    assert unchanged == {"currency": "INR", "timeZone": "Asia/Kolkata", "version": 2}


async def test_sites_update_and_list(gql, garage):
    created = (await gql('mutation { createSite(input: {name: "Bang Na", phone: "02-000-2222"}) { site { id } } }',
                         token=garage.token()))["data"]["createSite"]["site"]
    body = await gql('mutation($id: ID!) { updateSite(input: {id: $id, active: false, name: "Bang Na (closed)"}) '
                     '{ site { name active } errors { code } } }', {"id": created["id"]}, token=garage.token())
    assert body["data"]["updateSite"]["site"] == {"name": "Bang Na (closed)", "active": False}
    assert (await gql("{ sites { id } }", token=garage.token()))["data"]["sites"] == []
    assert len((await gql("{ sites(includeInactive: true) { id } }", token=garage.token()))["data"]["sites"]) == 1


async def test_unknown_ids_are_not_found(gql, garage):
    for bad_id in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        body = await gql('mutation($id: ID!) { updateSite(input: {id: $id, name: "x"}) { errors { field code } } }',
                         {"id": bad_id}, token=garage.token())
        assert body["data"]["updateSite"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]


async def test_my_preferences_choose_the_language_of_messages(gql, garage):
    token = garage.token()
    body = await gql("mutation { updateMyPreferences(input: {locale: TH}) { user { locale } errors { code } } }",
                     token=token)
    assert body["data"]["updateMyPreferences"]["user"]["locale"] == "TH"
    # the user's own preference wins over the browser's Accept-Language
    body = await gql('mutation { createSite(input: {name: ""}) { errors { message } } }', token=token, lang="en")
    assert body["data"]["createSite"]["errors"][0]["message"] == "ต้องกรอกช่องนี้"


async def test_the_language_on_the_screen_wins_over_the_saved_preference(client, gql, garage):
    """The PWA sends the language it shows (X-MotoTrack-Locale): right after a switch, while the new preference may
    still be on its way, the next answer is already in the language the person reads; nothing else sends it."""
    token = garage.token()
    await gql("mutation { updateMyPreferences(input: {locale: EN}) { errors { code } } }", token=token)
    query = {"query": 'mutation { createSite(input: {name: ""}) { errors { message } } }'}
    messages = {}
    for screen in ("th", "en", "xx", None):
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        if screen:
            headers["X-MotoTrack-Locale"] = screen
        body = (await client.post("/graphql", json=query, headers=headers)).json()
        messages[screen] = body["data"]["createSite"]["errors"][0]["message"]
    # an unknown screen language is ignored: the saved preference (English) answers
    assert messages == {"th": "ต้องกรอกช่องนี้", "en": "This field is required.", "xx": "This field is required.",
                        None: "This field is required."}


async def test_wrong_types_are_rejected_before_anything_runs(gql, garage):
    body = await gql('mutation { createSite(input: {name: 42}) { errors { code } } }', token=garage.token(),
                     expect_errors=True)
    assert body.get("data") is None and body["errors"]
    assert (await gql("{ sites(includeInactive: true) { id } }", token=garage.token()))["data"]["sites"] == []
    body = await gql("{ users(role: PILOT) { id } }", token=garage.token(), expect_errors=True)
    assert body["errors"] and "data" not in body or body["data"] is None
    assert error_codes(body) in ([None], ["GRAPHQL_VALIDATION_FAILED"])


async def test_user_list_statement_count_does_not_grow_with_rows(gql, garage, count_statements):
    query = "{ users(active: null) { id garage { name } homeSite { name } } }"
    with count_statements() as few:
        body = await gql(query, token=garage.token())
    assert len(body["data"]["users"]) == 6
    for i in range(20):
        await gql('mutation($e: String!) { createUser(input: {email: $e, name: "T", password: "long enough pw", '
                  'role: BILLING}) { errors { code } } }', {"e": f"extra{i}@x.example"}, token=garage.token())
    with count_statements() as many:
        body = await gql(query, token=garage.token())
    assert len(body["data"]["users"]) == 26
    # token check, users, garage loader (home sites are all empty, so no site batch)
    assert many.count == few.count == 3
