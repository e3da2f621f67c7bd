"""Webhook deliveries end to end: a business change in the workshop, the outbox, the in-process runner, a real
receiver on 127.0.0.1 that checks signatures with the recipe of docs/webhooks.md; retries, refusals, disabling,
redelivery, rollback, two garages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import Role
from backend.integrations.webhooks import service
from backend.integrations.webhooks.delivery import Sender, deliver
from backend.integrations.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from backend.integrations.webhooks.outbox import enqueue_event
from backend.integrations.webhooks.runner import WebhookRunner
from backend.notifications.models import Channel, Notification
from backend.notifications.templates import render
from tests.billing.helpers import job_in_progress, workshop
from tests.conftest import make_garage
from tests.integrations.webhooks.conftest import documented_verify, hook_settings, until

LOCAL = "127.0.0.1,::1"


async def make_endpoint(db, garage, url, events=("job.status_changed",), **extra) -> service.Created:
    async with db.transaction() as session:
        return await service.create_endpoint(session, garage.actor(), service.EndpointInput(
            url=url, events=list(events), description="ERP", **extra), allowed_hosts=LOCAL)


async def emit(db, garage, event="stock.low", data=None):
    async with db.transaction() as session:
        enqueue_event(session, garage.id, event, data or {"itemId": "x", "sku": "OIL-1"})


async def deliveries(db, endpoint_id) -> list[WebhookDelivery]:
    async with db.read() as session:
        return list((await session.execute(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
                                           .order_by(WebhookDelivery.created_at, WebhookDelivery.id))).scalars())


async def attempts(db, delivery_id) -> list[tuple[bool, int | None]]:
    async with db.read() as session:
        rows = (await session.execute(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
                                      .order_by(WebhookAttempt.attempt))).scalars()
        return [(row.succeeded, row.status_code) for row in rows]


def finished(db, endpoint_id, count: int):
    async def check():
        rows = await deliveries(db, endpoint_id)
        done = [r for r in rows if r.status not in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)]
        return rows if len(rows) >= count and len(done) == len(rows) else None
    return check


async def test_job_changes_are_signed_and_a_500_is_retried(app, db, garage, hook, runner):
    created = await make_endpoint(db, garage, hook.url())
    hook.statuses = [500]  # the receiver fails the first request it gets
    w = await workshop(db, garage)
    job = await job_in_progress(db, garage, w)  # RECEIVED -> ASSIGNED -> IN_PROGRESS, one transaction

    rows = await until(finished(db, created.endpoint.id, 2))
    assert [r.status for r in rows] == [DeliveryStatus.SUCCEEDED] * 2
    assert sorted([await attempts(db, r.id) for r in rows]) == [[(False, 500), (True, 200)], [(True, 200)]]
    assert len(hook.requests) == 3

    verify = documented_verify()
    for request in hook.requests:
        assert request.path == "/hooks/mototrack"
        assert request.headers["content-type"] == "application/json"
        assert verify(created.secret, request.headers["mototrack-signature"], request.body)
        assert not verify(created.secret, request.headers["mototrack-signature"], request.body + b" ")
        assert not verify("whsec_someone-else", request.headers["mototrack-signature"], request.body)
    bodies = [json.loads(r.body) for r in hook.requests]
    assert {b["type"] for b in bodies} == {"job.status_changed"}
    assert {b["garage"] for b in bodies} == {str(garage.id)}
    assert sorted({(b["data"]["from"], b["data"]["to"]) for b in bodies}) == [("ASSIGNED", "IN_PROGRESS"),
                                                                             ("RECEIVED", "ASSIGNED")]
    assert {b["data"]["jobId"] for b in bodies} == {str(job.id)}
    assert all(r.headers["mototrack-webhook-id"] == json.loads(r.body)["id"] for r in hook.requests)
    assert all(r.headers["mototrack-event"] == "job.status_changed" for r in hook.requests)
    # the retry is the same event, by id, as the attempt that got the 500
    ids = [r.headers["mototrack-webhook-id"] for r in hook.requests]
    assert len(set(ids)) == 2 and ids.count(ids[0]) == 2


async def test_a_rolled_back_change_sends_nothing(app, db, garage, hook, runner):
    created = await make_endpoint(db, garage, hook.url(), events=["job.status_changed", "stock.low"])
    w = await workshop(db, garage)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            enqueue_event(session, garage.id, "stock.low", {"itemId": str(w.item.id)})
            raise RuntimeError("the change failed")
    # a mutation refused by the service (its savepoint rolled back) inside a committed request sends nothing either
    async with db.transaction() as session:
        savepoint = session.begin_nested()
        await savepoint.start()
        from backend.core import events as core_events

        position = core_events.mark(session)
        enqueue_event(session, garage.id, "stock.low", {"itemId": "refused"})
        core_events.forget_since(session, position)
        await savepoint.rollback()
    await runner.drain()
    assert await deliveries(db, created.endpoint.id) == []
    assert hook.requests == []
    await emit(db, garage, data={"itemId": "kept"})  # and a committed one does
    rows = await until(finished(db, created.endpoint.id, 1))
    assert [json.loads(r.body)["data"]["itemId"] for r in hook.requests] == ["kept"] and len(rows) == 1


async def test_a_name_resolving_to_loopback_is_refused_at_send(app, db, garage, hook, database_url):
    created = await make_endpoint(db, garage, hook.url(host="localhost"), events=["stock.low"])
    await emit(db, garage)
    strict = WebhookRunner(db, hook_settings(database_url, webhook_allowed_hosts=""))  # the allow-list empty
    try:
        await strict.drain()
    finally:
        await strict.stop()
    [row] = await deliveries(db, created.endpoint.id)
    assert row.status == DeliveryStatus.FAILED and row.attempts == 1  # refused for good, not retried
    assert row.last_error.startswith("refused: localhost resolves to ") and "private" in row.last_error
    assert hook.requests == []  # nothing reached the receiver


UNSAFE = [
    ("http://127.0.0.1:8080/x", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("http://localhost/x", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("https://10.1.2.3/x", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("http://192.168.1.10/x", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("http://169.254.169.254/latest/meta-data", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("http://[::1]/x", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("http://[::ffff:127.0.0.1]/x", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("http://[fd00::1]/x", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("http://224.0.0.1/x", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("http://0.0.0.0/x", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("http://100.64.0.1/x", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("http://240.0.0.1/x", ErrorCode.WEBHOOK_ADDRESS_REFUSED),
    ("ftp://93.184.216.34/x", ErrorCode.INVALID_WEBHOOK_URL),
    ("javascript:alert(1)", ErrorCode.INVALID_WEBHOOK_URL),
    ("https://user:pw@93.184.216.34/x", ErrorCode.INVALID_WEBHOOK_URL),
    ("https://93.184.216.34/x y", ErrorCode.INVALID_WEBHOOK_URL),
    ("https:///nohost", ErrorCode.INVALID_WEBHOOK_URL),
    ("https://93.184.216.34:99999/x", ErrorCode.INVALID_WEBHOOK_URL),
]


async def test_unsafe_or_invalid_urls_are_refused_at_save(app, db, garage):
    for url, code in UNSAFE:
        with pytest.raises(DomainError) as refused:
            async with db.transaction() as session:
                await service.create_endpoint(session, garage.actor(), service.EndpointInput(
                    url=url, events=["stock.low"]), allowed_hosts="")
        assert (refused.value.code, refused.value.field) == (code, "url"), url
    async with db.read() as session:
        assert (await session.execute(select(WebhookEndpoint))).first() is None


async def test_an_endpoint_failing_again_and_again_is_disabled_and_admins_are_mailed(app, db, garage, hook, runner):
    created = await make_endpoint(db, garage, hook.url(), events=["stock.low"])
    hook.statuses = [500] * 20
    await emit(db, garage, data={"itemId": "a"})
    first = await until(finished(db, created.endpoint.id, 1))
    assert first[0].status == DeliveryStatus.FAILED and first[0].attempts == 3  # 1 + len(backoff)
    assert first[0].last_status_code == 500 and first[0].last_error.startswith("HTTP 500: receiver says no")
    assert len(first[0].last_error) < 400  # the answer read and kept capped
    async with db.read() as session:
        endpoint = await session.get(WebhookEndpoint, created.endpoint.id)
        assert endpoint.active and endpoint.consecutive_failures == 1
    await emit(db, garage, data={"itemId": "b"})
    await until(finished(db, created.endpoint.id, 2))
    async with db.read() as session:
        endpoint = await session.get(WebhookEndpoint, created.endpoint.id)
        assert not endpoint.active and endpoint.disabled_at is not None and endpoint.consecutive_failures == 2
        mails = list((await session.execute(select(Notification).where(
            Notification.event == "webhook_disabled"))).scalars())
        admin = garage.users[Role.ADMIN]
        assert [(m.recipient, m.channel, m.garage_id) for m in mails] == [(admin.email, Channel.EMAIL, garage.id)]
        en = await render(session, garage.id, "webhook_disabled", Channel.EMAIL, "en", mails[0].context)
        th = await render(session, garage.id, "webhook_disabled", Channel.EMAIL, "th", mails[0].context)
    assert en.subject == f"Webhook switched off: {hook.url()}"
    assert "its last 2 deliveries all failed" in en.text
    assert hook.url() in th.subject and "ปิด" in th.subject and "2" in th.text
    sent = len(hook.requests)
    await emit(db, garage, data={"itemId": "c"})  # a switched-off endpoint hears nothing more
    await runner.drain()
    assert len(await deliveries(db, created.endpoint.id)) == 2 and len(hook.requests) == sent
    async with db.transaction() as session:  # switched on again by an admin: a fresh count
        again = await service.update_endpoint(session, garage.actor(), created.endpoint.id,
                                              service.EndpointInput(active=True), allowed_hosts=LOCAL)
        assert again.active and again.consecutive_failures == 0 and again.disabled_at is None


async def test_redeliver_sends_the_same_event_again(app, db, garage, hook, runner):
    created = await make_endpoint(db, garage, hook.url(), events=["stock.low"])
    hook.statuses = [500, 500, 500]
    await emit(db, garage)
    [failed] = await until(finished(db, created.endpoint.id, 1))
    assert failed.status == DeliveryStatus.FAILED
    async with db.transaction() as session:
        again = await service.redeliver(session, garage.actor(), failed.id)
    rows = await until(finished(db, created.endpoint.id, 2))
    redone = next(r for r in rows if r.id == again.id)
    assert redone.status == DeliveryStatus.SUCCEEDED and redone.redelivery_of_id == failed.id
    assert redone.event_id == failed.event_id
    assert len({r.headers["mototrack-webhook-id"] for r in hook.requests}) == 1  # one event, four requests
    assert [r.headers["mototrack-delivery-id"] for r in hook.requests][-1] == str(again.id)
    async with db.transaction() as session:  # a delivery still waiting is not doubled
        pending = WebhookDelivery(garage_id=garage.id, endpoint_id=created.endpoint.id, event_id=failed.event_id,
                                  event_type="stock.low", status=DeliveryStatus.QUEUED, attempts=0)
        session.add(pending)
    with pytest.raises(DomainError) as refused:
        async with db.transaction() as session:
            await service.redeliver(session, garage.actor(), pending.id)
    assert refused.value.code == ErrorCode.WEBHOOK_DELIVERY_PENDING


async def test_a_redirect_is_not_followed_and_a_slow_receiver_times_out(app, db, garage, hook, database_url):
    created = await make_endpoint(db, garage, hook.url(), events=["stock.low"])
    settings = hook_settings(database_url, webhook_timeout_seconds=0.5, webhook_backoff_seconds=())
    sender = Sender(settings)
    try:
        hook.statuses = [302]
        await emit(db, garage)
        [row] = await deliveries(db, created.endpoint.id)
        assert await deliver(db, settings, sender, row.id) == "failed"
        [row] = await deliveries(db, created.endpoint.id)
        assert row.last_status_code == 302 and len(hook.requests) == 1  # Location not followed
        hook.delay = 1.5
        await emit(db, garage)
        row = (await deliveries(db, created.endpoint.id))[-1]
        assert await deliver(db, settings, sender, row.id) == "failed"
        row = (await deliveries(db, created.endpoint.id))[-1]
        assert row.last_error == "timed out" and row.last_status_code is None and row.last_duration_ms < 1400
        assert await deliver(db, settings, sender, row.id) == "skipped"  # finished: a second run sends nothing
    finally:
        await sender.close()


async def test_a_large_payload_is_cut_to_its_ids(app, db, garage, hook, database_url):
    created = await make_endpoint(db, garage, hook.url(), events=["stock.low"])
    settings = hook_settings(database_url, webhook_max_payload_bytes=400)
    await emit(db, garage, data={"itemId": "i-1", "sku": "OIL", "name": "x" * 5000})
    sender = Sender(settings)
    try:
        [row] = await deliveries(db, created.endpoint.id)
        assert await deliver(db, settings, sender, row.id) == "succeeded"
    finally:
        await sender.close()
    [request] = hook.requests
    assert len(request.body) <= 400
    assert json.loads(request.body)["data"] == {"itemId": "i-1", "truncated": True}
    assert documented_verify()(created.secret, request.headers["mototrack-signature"], request.body)


async def test_after_a_rotation_both_secrets_verify_for_a_while(app, db, garage, hook, runner):
    created = await make_endpoint(db, garage, hook.url(), events=["stock.low"])
    async with db.transaction() as session:
        rotated = await service.rotate_secret(session, garage.actor(), created.endpoint.id)
    assert rotated.secret != created.secret and rotated.endpoint.version == 2
    await emit(db, garage)
    await until(finished(db, created.endpoint.id, 1))
    [request] = hook.requests
    verify = documented_verify()
    header = request.headers["mototrack-signature"]
    assert header.count("v1=") == 2
    assert verify(rotated.secret, header, request.body) and verify(created.secret, header, request.body)


async def test_one_garage_never_hears_or_touches_anothers(app, db, garage, hook, runner):
    other = await make_garage(app, "Garage Two")
    mine = await make_endpoint(db, garage, hook.url("/one"), events=["stock.low"])
    theirs = await make_endpoint(db, other, hook.url("/two"), events=["stock.low"])
    await emit(db, other, data={"itemId": "theirs"})
    await until(finished(db, theirs.endpoint.id, 1))
    await runner.drain()
    assert await deliveries(db, mine.endpoint.id) == []
    assert [(r.path, json.loads(r.body)["garage"]) for r in hook.requests] == [("/two", str(other.id))]
    [their_delivery] = await deliveries(db, theirs.endpoint.id)
    for call in (lambda s: service.redeliver(s, garage.actor(), their_delivery.id),
                 lambda s: service.send_test(s, garage.actor(), theirs.endpoint.id),
                 lambda s: service.rotate_secret(s, garage.actor(), theirs.endpoint.id),
                 lambda s: service.delete_endpoint(s, garage.actor(), theirs.endpoint.id),
                 lambda s: service.list_deliveries(s, garage.actor(), theirs.endpoint.id, limit=10)):
        with pytest.raises(DomainError) as refused:
            async with db.transaction() as session:
                await call(session)
        assert refused.value.code == ErrorCode.NOT_FOUND
    async with db.read() as session:
        assert [e.id for e in await service.list_endpoints(session, garage.actor())] == [mine.endpoint.id]


async def test_an_issued_invoice_and_its_payment_reach_the_accounting_endpoint(app, db, garage, hook, runner):
    from backend.billing.service import invoices, payments

    created = await make_endpoint(db, garage, hook.url(), events=["invoice.issued", "payment.recorded"])
    w = await workshop(db, garage)
    from tests.billing.helpers import job_in_billing

    job = await job_in_billing(db, garage, w)
    billing = garage.actor(Role.BILLING)
    async with db.transaction() as session:
        invoice = await invoices.create_invoice_from_job(session, billing, job.id)
        invoice = await invoices.issue_invoice(session, billing, invoice.id)
    async with db.transaction() as session:
        await payments.record_payment(session, billing, invoice.id, payments.PaymentData(
            amount=100000, method="CASH"))
    await until(finished(db, created.endpoint.id, 2))
    bodies = sorted((json.loads(r.body) for r in hook.requests), key=lambda b: b["type"])
    assert [b["type"] for b in bodies] == ["invoice.issued", "payment.recorded"]  # job moves: not subscribed
    issued, paid = bodies[0]["data"], bodies[1]["data"]
    assert (issued["invoiceId"], issued["number"], issued["total"]) == (str(invoice.id), invoice.number,
                                                                         invoice.total)
    assert (paid["invoiceId"], paid["amount"], paid["method"]) == (str(invoice.id), 100000, "CASH")
    assert paid["balanceDue"] == invoice.total - 100000


async def test_a_booking_and_its_move_reach_the_booking_endpoint(app, db, garage, hook, runner):
    from backend.scheduling.service import appointments as appts
    from tests.scheduling.helpers import MONDAY, add_bay, alloc, at, book, open_site, technician
    from tests.workshop.helpers import make_vehicle

    created = await make_endpoint(db, garage, hook.url(), events=["appointment.booked", "appointment.changed"])
    site = await open_site(db, garage)
    lift = await add_bay(db, garage, site, "Lift 1")
    tech = await technician(db, garage, "Anan")
    vehicle = await make_vehicle(db, garage)
    tuesday = MONDAY + dt.timedelta(days=1)
    booked = await book(db, garage, site, vehicle, [alloc(lift, tech, at(tuesday, "09:00"), at(tuesday, "11:00"))])
    with pytest.raises(DomainError):  # a refused move (stale version) changes nothing and sends nothing
        async with db.transaction() as session:
            await appts.move_appointment(session, garage.actor(Role.SITE_MANAGER), booked.id,
                                         [alloc(lift, tech, at(tuesday, "13:00"), at(tuesday, "15:00"))],
                                         expected_version=booked.version + 5)
    async with db.transaction() as session:
        await appts.move_appointment(session, garage.actor(Role.SITE_MANAGER), booked.id,
                                     [alloc(lift, tech, at(tuesday, "13:00"), at(tuesday, "15:00"))],
                                     expected_version=booked.version)
    await until(finished(db, created.endpoint.id, 2))
    bodies = sorted((json.loads(r.body) for r in hook.requests), key=lambda b: b["data"]["version"])
    assert [(b["type"], b["data"]["action"], b["data"]["appointmentId"]) for b in bodies] == [
        ("appointment.booked", "create", str(booked.id)), ("appointment.changed", "move", str(booked.id))]
    assert bodies[0]["data"]["status"] == "CONFIRMED" and bodies[1]["data"]["sequence"] == booked.sequence + 1


async def test_an_approval_of_quote_lines_reaches_the_endpoint(app, db, garage, hook, runner):
    from decimal import Decimal

    from backend.billing.models import LineKind
    from backend.billing.service import quotes
    from backend.billing.service.common import LineInput

    created = await make_endpoint(db, garage, hook.url(), events=["quote.approved"])
    w = await workshop(db, garage)
    advisor = garage.actor(Role.SITE_MANAGER)
    async with db.transaction() as session:
        quote = await quotes.create_quote(session, advisor, quotes.QuoteData(
            vehicle_id=w.vehicle.id, site_id=w.site.id,
            lines=[LineInput(kind=LineKind.LABOUR, task_action_id=w.action.id),
                   LineInput(kind=LineKind.PART, item_id=w.item.id, quantity=Decimal(1))]))
        await quotes.send_quote(session, advisor, quote.id)
        lines = await quotes.quote_lines(session, quote)
    async with db.transaction() as session:  # declining sends nothing: only approvals are subscribed
        await quotes.decline_quote_lines(session, advisor, quote.id, [lines[1].id])
    async with db.transaction() as session:
        approved = await quotes.approve_quote_lines(session, advisor, quote.id, [lines[0].id])
    [row] = await until(finished(db, created.endpoint.id, 1))
    assert row.status == DeliveryStatus.SUCCEEDED
    [request] = hook.requests
    data = json.loads(request.body)["data"]
    assert (data["quoteId"], data["number"], data["status"]) == (str(quote.id), quote.number, "PARTIALLY_APPROVED")
    assert data["lineIds"] == [str(lines[0].id)] and data["customerId"] == str(w.customer.id)
    assert (data["total"], data["currency"]) == (approved.total, "THB")


async def test_stock_taken_to_its_reorder_point_is_reported_once(app, db, garage, hook, runner):
    from backend.inventory import service as inventory

    created = await make_endpoint(db, garage, hook.url(), events=["stock.low"])
    admin = garage.actor()
    async with db.transaction() as session:
        item = await inventory.create_item(session, admin, inventory.ItemInput(
            sku="FLT-OIL-1", name_en="Oil filter", name_th="กรองน้ำมันเครื่อง", sale_price=25000, reorder_point=5),
            initial_quantity=8)
    for change in (-2, -1, -1):  # 8 -> 6 (above), 6 -> 5 (crosses: reported), 5 -> 4 (already low: not again)
        async with db.transaction() as session:
            await inventory.adjust_stock(session, admin, item.id, change, "Counted")
    await runner.drain()
    [row] = await until(finished(db, created.endpoint.id, 1))
    [request] = hook.requests
    data = json.loads(request.body)["data"]
    assert (data["itemId"], data["sku"], data["quantityOnHand"], data["reorderPoint"]) == (str(item.id), "FLT-OIL-1",
                                                                                          5, 5)
    async with db.transaction() as session:  # back above, then down again: reported again
        await inventory.adjust_stock(session, admin, item.id, 10, "Delivery counted")
        await inventory.adjust_stock(session, admin, item.id, -12, "Damaged")
    rows = await until(finished(db, created.endpoint.id, 2))
    assert len(rows) == 2 and json.loads(hook.requests[-1].body)["data"]["quantityOnHand"] == 2
