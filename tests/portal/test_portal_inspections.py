"""The inspection report in the portal: each item's colour, the photos through links for this portal link only,
and the quote lines made from the findings with their photos."""

from __future__ import annotations

import uuid

from backend.billing.service import quotes as quotes_service
from backend.core.permissions import Role
from backend.inspections import service as inspections
from tests.portal.helpers import PORTAL_QUERY, payload, portal, token_from_sms, visit
from tests.portal.test_portal_safety import _jpeg


async def _photo(client, garage, job_id) -> str:
    upload_id = uuid.uuid4().hex
    response = await client.post("/files/upload", headers={"Authorization": f"Bearer {garage.token(Role.TECHNICIAN)}"},
                                 data={"uploadId": upload_id, "ownerType": "job", "ownerId": str(job_id),
                                       "kind": "PHOTO"}, files={"file": ("tyre.jpg", _jpeg(), "image/jpeg")})
    assert response.status_code == 201, response.text
    return upload_id


async def test_the_portal_shows_the_inspection_with_colours_and_photos(app, client, db, garage, sms):
    v = await visit(db, garage)
    token = await token_from_sms(app, sms)
    admin, tech, sm = garage.actor(), garage.actor(Role.TECHNICIAN), garage.actor(Role.SITE_MANAGER)
    async with db.transaction() as session:
        template = await inspections.create_template(session, admin, inspections.TemplateData(
            name_en="Multi-point", name_th="ตรวจเช็ครอบคัน", sections=[inspections.SectionData(
                key="tyres", title_en="Tyres", title_th="ยาง", items=[
                    inspections.ItemData(key="front_left", title_en="Front left tread", title_th="ดอกยางหน้าซ้าย",
                                         kind="MEASUREMENT", unit="mm", advise_at="3", urgent_at="1.6"),
                    inspections.ItemData(key="wipers", title_en="Wipers", title_th="ใบปัดน้ำฝน",
                                         kind="CONDITION")])]))
        inspection = await inspections.start_inspection(session, tech, uuid.uuid4(), v.job.id, template.id)
    photo = await _photo(client, garage, v.job.id)
    async with db.transaction() as session:
        await inspections.record_result(session, tech, inspection.id, "front_left", inspections.ResultData(
            value="2.4", photo_upload_ids=[photo]))
        await inspections.record_result(session, tech, inspection.id, "wipers", inspections.ResultData(
            condition="GOOD"))
        await inspections.complete_inspection(session, tech, inspection.id)
        quote = await inspections.quote_from_findings(session, sm, v.job.id, None, [inspections.FindingData(
            inspection_id=inspection.id, item_key="front_left", description="New tyre", unit_price=250000)])
        quote = quote[0] if isinstance(quote, tuple) else quote
        await quotes_service.send_quote(session, sm, quote.id)
    view = payload(await portal(client, token, PORTAL_QUERY))
    [shown] = view["inspections"]
    assert shown["counts"] == {"good": 1, "advise": 1, "urgent": 0}
    tread, wipers = shown["items"]
    assert (tread["title"], tread["condition"], wipers["condition"]) == ("Front left tread", "ADVISE", "GOOD")
    [picture] = tread["photos"]
    got = await client.get(picture["thumbnailUrl"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert (await client.get(picture["url"])).status_code == 200
    from_findings = next(q for q in view["quotes"] if q["id"] == str(quote.id))
    [line] = from_findings["lines"]
    [line_photo] = line["photos"]
    assert (await client.get(line_photo["url"])).status_code == 200
    # in Thai, the template's Thai words
    thai = payload(await portal(client, token, PORTAL_QUERY, lang="th"))["inspections"][0]
    assert (thai["name"], thai["items"][0]["title"]) == ("ตรวจเช็ครอบคัน", "ดอกยางหน้าซ้าย")
