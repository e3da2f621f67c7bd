"""The outbox API the other domains use: enqueue in the caller's transaction, dedupe, consent, and the renderer."""

from sqlalchemy import func, select

from backend.customers.models import ContactChannel, Customer
from backend.notifications.models import Channel, Notification, NotificationStatus, NotificationTemplate
from backend.notifications.outbox import enqueue, render


async def _customer(db, garage, **kw):
    values = dict(garage_id=garage.id, name="Somchai Jaidee", phone="+66812345678", email="somchai@example.com",
                  contact_channel=ContactChannel.SMS, consent_sms=True, consent_email=True)
    values.update(kw)
    async with db.transaction() as session:
        customer = Customer(**values)
        session.add(customer)
    return customer


async def _count(db):
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(Notification))).scalar_one()


async def test_enqueue_writes_a_queued_row_in_the_callers_transaction(db, garage):
    customer = await _customer(db, garage)
    async with db.transaction() as session:
        row = await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.SMS, locale="th",
                            context={"registration": "AB12"}, customer_id=customer.id)
        assert row is not None
    async with db.read() as session:
        stored = await session.get(Notification, row.id)
    assert stored.status == NotificationStatus.QUEUED
    assert stored.recipient == "+66812345678" and stored.locale == "th" and stored.attempts == 0
    assert stored.context == {"registration": "AB12"}


async def test_a_rolled_back_transaction_leaves_no_message(db, garage):
    customer = await _customer(db, garage)
    try:
        async with db.transaction() as session:
            await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.SMS, locale="en",
                          context={}, customer_id=customer.id)
            raise RuntimeError("the business change failed")
    except RuntimeError:
        pass
    assert await _count(db) == 0


async def test_a_dedupe_key_is_used_once_per_garage(db, garage, other_garage):
    for _ in range(2):
        async with db.transaction() as session:
            first = await enqueue(session, garage_id=garage.id, event="mot", channel=Channel.EMAIL, locale="en",
                                  context={}, recipient="a@example.com", dedupe_key="mot:v1:2026")
            again = await enqueue(session, garage_id=garage.id, event="mot", channel=Channel.EMAIL, locale="en",
                                  context={}, recipient="a@example.com", dedupe_key="mot:v1:2026")
            assert again is None
    async with db.transaction() as session:
        elsewhere = await enqueue(session, garage_id=other_garage.id, event="mot", channel=Channel.EMAIL,
                                  locale="en", context={}, recipient="b@example.com", dedupe_key="mot:v1:2026")
    assert elsewhere is not None
    assert await _count(db) == 2


async def test_no_consent_no_address_or_another_garage_writes_nothing(db, garage, other_garage):
    no_sms = await _customer(db, garage, consent_sms=False)
    no_mail = await _customer(db, garage, email=None)
    foreign = await _customer(db, other_garage)
    async with db.transaction() as session:
        assert await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.SMS, locale="en",
                             context={}, customer_id=no_sms.id) is None
        assert await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.EMAIL, locale="en",
                             context={}, customer_id=no_mail.id) is None
        assert await enqueue(session, garage_id=garage.id, event="job_ready", channel=Channel.SMS, locale="en",
                             context={}, customer_id=foreign.id) is None
        assert await enqueue(session, garage_id=garage.id, event="x", channel=Channel.PUSH, locale="en",
                             context={}) is None
    assert await _count(db) == 0


async def test_render_uses_the_garage_override_else_the_file_template(db, garage, other_garage):
    context = {"customer_name": "Ann", "registration": "AB12CDE", "garage_name": "Garage One",
               "job_number": "J-1", "unsubscribe_url": "http://127.0.0.1/u"}
    async with db.transaction() as session:
        session.add(NotificationTemplate(garage_id=garage.id, event="job_ready", channel=Channel.SMS, locale="en",
                                         body="Hi {{ customer_name }}, {{ registration }} is done. {{ unsubscribe_url }}"))
    async with db.read() as session:
        own = await render(session, garage.id, "job_ready", Channel.SMS, "en", context)
        theirs = await render(session, other_garage.id, "job_ready", Channel.SMS, "en", context)
        thai = await render(session, garage.id, "job_ready", Channel.SMS, "th", context)
    assert own.text == "Hi Ann, AB12CDE is done. http://127.0.0.1/u"
    assert theirs.text == ("Garage One: your vehicle AB12CDE is ready for collection. "
                           "Opt out: http://127.0.0.1/u")
    assert "AB12CDE" in thai.text and "ready for collection" not in thai.text
