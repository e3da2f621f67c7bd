"""A sent purchase order reaches the supplier (issue 18): sending it mails the order's PDF, in the supplier's language,
to the supplier's address through the outbox (the local SMTP server receives it); the PDF shows the garage, the
supplier, both tax IDs, each line with the supplier's code, the total and the delivery warehouse (read back with
pdftotext, Thai included); the order's signed link downloads the same document, and a tampered link is refused."""

from __future__ import annotations

import subprocess
from urllib.parse import urlparse

import pytest
from sqlalchemy import select, update

from backend.accounts.models import Garage
from backend.core.permissions import Role
from backend.notifications.models import Notification, NotificationStatus
from backend.purchasing import service
from backend.purchasing.models import SupplierLocale
from tests.billing.test_pdf_text import need
from tests.notifications.test_delivery import drain, settings_for, smtp  # noqa: F401 - fixtures
from tests.purchasing.test_orders import _item

pytestmark = pytest.mark.asyncio
WM = Role.WAREHOUSE_MANAGER
SEND = """mutation($i: PurchaseOrderActionInput!) { sendPurchaseOrder(input: $i) {
    purchaseOrder { id number status pdfUrl } errors { code message } } }"""


def pdf_text(pdf: bytes, tmp_path) -> str:
    need("pdftotext")
    path = tmp_path / "order.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


async def _approved_order(db, garage, locale: SupplierLocale, email: str | None = "orders@siamauto.example"):
    async with db.transaction() as s:
        await s.execute(update(Garage).where(Garage.id == garage.id).values(
            tax_id="0105561234563", branch="00000", address="99 Rama 9 Road, Bangkok 10310"))
    item = await _item(db, garage, quantity=0, cost=700, sku="BRK-PAD-F")
    actor = garage.actor(WM)
    async with db.transaction() as s:
        supplier = await service.create_supplier(s, actor, service.SupplierInput(
            name="สยามออโต้พาร์ท จำกัด", contact_name="คุณสมศักดิ์", email=email, tax_id="0105551234567",
            address="12 ถนนพระราม 4 กรุงเทพฯ", payment_terms_days=30, lead_time_days=3, locale=locale))
        await service.set_supplier_item(s, actor, supplier.id, item.id, supplier_code="SAP-77881", price=70000,
                                        preferred=True)
        order = await service.create_order(s, actor, supplier.id, [service.OrderLineInput(item.id, 2)])
        await service.submit_order(s, actor, order.id)
    return order, supplier


@pytest.mark.parametrize("locale, words", [
    (SupplierLocale.TH, {"title": "ใบสั่งซื้อ", "deliver": "สถานที่ส่งของ", "terms": "เครดิต 30 วันนับจากวันส่งของ",
                         "subject": "ใบสั่งซื้อเลขที่ {number} จาก Garage One",
                         "greeting": "เรียน คุณสมศักดิ์", "thanks": "ขอแสดงความนับถือ"}),
    (SupplierLocale.EN, {"title": "Purchase order", "deliver": "Deliver to", "terms": "30 days from delivery",
                         "subject": "Purchase order {number} from Garage One",
                         "greeting": "Dear คุณสมศักดิ์,", "thanks": "Thank you,"}),
])
async def test_sending_an_order_mails_its_pdf_to_the_supplier_in_their_language(app, client, db, gql, garage, smtp,
                                                                               tmp_path, locale, words):
    order, supplier = await _approved_order(db, garage, locale)
    body = await gql(SEND, {"i": {"id": str(order.id)}}, token=garage.token(WM))
    sent = body["data"]["sendPurchaseOrder"]
    assert sent["errors"] == [] and sent["purchaseOrder"]["status"] == "SENT"
    await drain(app, settings_for(app, smtp_host="127.0.0.1", smtp_port=smtp.port))
    smtp.wait_for(1)
    async with db.read() as s:
        (row,) = (await s.execute(select(Notification).where(Notification.garage_id == garage.id,
                                                             Notification.event == "purchase_order_sent"))).scalars()
    assert (row.status, row.recipient, row.locale) == (NotificationStatus.SENT, "orders@siamauto.example",
                                                        locale.value.lower())
    (mail,) = [m for m in smtp.messages if m["Message-ID"] == f"<{row.id}@mototrack.test>"]
    assert mail["To"] == "orders@siamauto.example"
    assert mail["Subject"] == words["subject"].format(number=order.number)
    text = mail.get_body(("plain",)).get_content()
    assert text.lstrip().startswith(words["greeting"]) and words["thanks"] in text and order.number in text
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{order.number}.pdf"
    printed = pdf_text(attachment.get_content(), tmp_path)
    for expected in (words["title"], words["deliver"], words["terms"], order.number, "Garage One",
                     "0105561234563", "สยามออโต้พาร์ท จำกัด", "0105551234567", "SAP-77881", "1,400.00",
                     "700.00", "Central warehouse", "12 ถนนพระราม 4 กรุงเทพฯ"):
        assert expected in printed, (expected, printed)

    # the order's signed link gives the same document; a tampered one is refused
    link = urlparse(sent["purchaseOrder"]["pdfUrl"])
    response = await client.get(f"{link.path}?{link.query}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content == attachment.get_content()
    tampered = link.query.replace("sig=", "sig=x")
    assert (await client.get(f"{link.path}?{tampered}")).status_code == 403


async def test_a_supplier_without_a_mail_address_gets_nothing_and_the_order_is_still_sent(db, gql, garage):
    order, _supplier = await _approved_order(db, garage, SupplierLocale.EN, email=None)
    body = await gql(SEND, {"i": {"id": str(order.id)}}, token=garage.token(WM))
    assert body["data"]["sendPurchaseOrder"]["purchaseOrder"]["status"] == "SENT"
    async with db.read() as s:
        assert (await s.execute(select(Notification).where(Notification.event == "purchase_order_sent"))
                ).scalars().all() == []


async def test_the_pdf_link_is_the_garages_and_its_purchasing_staffs_only(app, client, db, gql, garage,
                                                                         other_garage):
    order, _supplier = await _approved_order(db, garage, SupplierLocale.EN)
    body = await gql(SEND, {"i": {"id": str(order.id)}}, token=garage.token(WM))
    link = urlparse(body["data"]["sendPurchaseOrder"]["purchaseOrder"]["pdfUrl"])
    body = await gql("query($id: ID!) { purchaseOrder(id: $id) { pdfUrl } }", {"id": str(order.id)},
                     token=other_garage.token(WM))
    assert body["data"]["purchaseOrder"] is None
    body = await gql("query($id: ID!) { purchaseOrder(id: $id) { pdfUrl } }", {"id": str(order.id)},
                     token=garage.token(Role.TECHNICIAN), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # a link signed for another order's path does not open this one
    other_path = link.path.replace(str(order.id), "00000000-0000-7000-8000-000000000000")
    assert (await client.get(f"{other_path}?{link.query}")).status_code == 403
