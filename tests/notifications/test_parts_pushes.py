"""Parts request decisions reach the technician who asked, by web push, in their language: approved, rejected (with
the reason) and issued. The manager who decided, though subscribed too, gets none of them."""

from __future__ import annotations

import json

import http_ece
import pytest
from sqlalchemy import update

from backend.core.enums import Locale
from backend.core.permissions import Role
from backend.notifications import service as notifications
from backend.workshop.service import parts as parts_service
from tests.billing.helpers import job_in_progress, workshop
from tests.notifications.test_delivery import _subscription_keys, drain, http, settings_for  # noqa: F401

EXPECTED = {
    Locale.EN: [("Parts approved for {job}", "2 × Engine oil 5W-30 4L approved; the store will issue them."),
                ("Parts rejected for {job}", "1 × Engine oil 5W-30 4L rejected: wrong grade for this engine"),
                ("Parts ready for {job}", "2 × Engine oil 5W-30 4L issued: collect them from the store.")],
    Locale.TH: [("อนุมัติอะไหล่สำหรับงาน {job} แล้ว", "อนุมัติ น้ำมันเครื่อง 5W-30 4 ลิตร จำนวน 2 แล้ว คลังจะเบิกจ่ายให้"),
                ("ไม่อนุมัติอะไหล่สำหรับงาน {job}", "ไม่อนุมัติ น้ำมันเครื่อง 5W-30 4 ลิตร จำนวน 1: wrong grade for this engine"),
                ("อะไหล่สำหรับงาน {job} พร้อมแล้ว", "เบิก น้ำมันเครื่อง 5W-30 4 ลิตร จำนวน 2 แล้ว รับได้ที่คลังอะไหล่")],
}


@pytest.mark.parametrize("locale", [Locale.EN, Locale.TH])
async def test_parts_decisions_are_pushed_to_the_requesting_technician_only(app, db, garage, http, locale):
    tech, manager = garage.users[Role.TECHNICIAN], garage.users[Role.WORKSHOP_MANAGER]
    async with db.transaction() as session:
        await session.execute(update(type(tech)).where(type(tech).id == tech.id).values(locale=locale))
    w = await workshop(db, garage)
    job = await job_in_progress(db, garage, w)
    settings = settings_for(app)
    await drain(app, settings)  # the "new job" push went nowhere: no device yet
    keys = {}
    async with db.transaction() as session:
        for role, path in ((Role.TECHNICIAN, "tech"), (Role.WORKSHOP_MANAGER, "manager")):
            private, auth, p256dh, auth_b64 = _subscription_keys()
            keys[path] = (private, auth)
            await notifications.register_push_subscription(session, garage.actor(role), f"{http.base}/push/{path}",
                                                           p256dh, auth_b64)
    tech_actor, wm = garage.actor(Role.TECHNICIAN), garage.actor(Role.WORKSHOP_MANAGER)
    async with db.transaction() as session:
        wanted = await parts_service.request_parts(session, tech_actor, job.id, w.item.id, 2)
        unwanted = await parts_service.request_parts(session, tech_actor, job.id, w.item.id, 1)
    async with db.transaction() as session:
        await parts_service.approve_parts_request(session, wm, wanted.id)
    await drain(app, settings)
    async with db.transaction() as session:
        await parts_service.reject_parts_request(session, wm, unwanted.id, "wrong grade for this engine")
    await drain(app, settings)
    async with db.transaction() as session:
        await parts_service.issue_parts_request(session, garage.actor(Role.WAREHOUSE_MANAGER), wanted.id)
    await drain(app, settings)

    assert [r["path"] for r in http.requests] == ["/push/tech"] * 3  # never the manager's device
    private, auth = keys["tech"]
    messages = [json.loads(http_ece.decrypt(r["body"], private_key=private, auth_secret=auth, version="aes128gcm"))
                for r in http.requests]
    assert [(m["title"], m["body"]) for m in messages] == [
        (title.format(job=job.number), body) for title, body in EXPECTED[locale]]
    assert {m["url"] for m in messages} == {f"/jobs/{job.id}"}
    assert manager.id != tech.id
