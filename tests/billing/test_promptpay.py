"""PromptPay QR for the balance due (Thai QR Payment, EMVCo merchant-presented): the garage's PromptPay ID or biller
ID validated in its settings; Invoice.promptPay { payload svg amount }; the QR printed on Thai invoices and on
receipts of part payments, decoded back from the rendered page with OpenCV and checked tag by tag, CRC included."""

from __future__ import annotations

import binascii
import io

import cv2
import pypdf
from sqlalchemy import update

from backend.accounts.models import Garage
from backend.billing import promptpay
from backend.billing.service import payments
from backend.core.permissions import Role
from tests.billing.helpers import ok, refused
from tests.billing.test_thai_documents import add_customer, corporate, draft, issue, page_png, pdf_of, thai_vat_garage

INVOICE = """query($id: ID!) { invoice(id: $id) { number balanceDue status promptPay { payload svg amount } } }"""
SETTINGS = "garage { promptpayId promptpayBillerId } errors { field code message }"


def tags(text: str) -> dict[str, str]:
    """One level of EMVCo tag-length-value, read independently of the code under test."""
    out, i = {}, 0
    while i < len(text):
        tag, length = text[i:i + 2], int(text[i + 2:i + 4])
        assert tag not in out, f"tag {tag} twice"
        out[tag] = text[i + 4:i + 4 + length]
        assert len(out[tag]) == length, "truncated"
        i += 4 + length
    return out


def assert_thai_qr(payload: str, amount: int, merchant: dict[str, str], merchant_tag: str = "29") -> None:
    top = tags(payload)
    assert list(top) == ["00", "01", merchant_tag, "53", "54", "58", "63"], top
    assert top["00"] == "01" and top["01"] == "12"  # format 01, dynamic (one amount)
    assert tags(top[merchant_tag]) == merchant
    assert top["53"] == "764" and top["58"] == "TH"
    assert top["54"] == f"{amount // 100}.{amount % 100:02d}"
    # CRC-16/CCITT-FALSE over everything up to and including "6304" (binascii's CRC-CCITT with init 0xFFFF)
    assert payload[-8:-4] == "6304"
    assert top["63"] == f"{binascii.crc_hqx(payload[:-4].encode('ascii'), 0xFFFF):04X}"


def decoded_qr(pdf: bytes, tmp_path, name: str) -> str:
    image = page_png(pdf, tmp_path, dpi=200, name=name)
    text, _points, _straight = cv2.QRCodeDetector().detectAndDecode(image)
    return text


async def test_promptpay_ids_are_validated_in_the_garage_settings(gql, garage):
    token = garage.token(Role.ADMIN)
    for bad in ("12345", "0012345678", "081234567", "0105561234567", "abc"):
        en = await refused(gql, token, f'mutation {{ updateGarageSettings(input: {{promptpayId: "{bad}"}}) '
                                       f'{{ {SETTINGS} }} }}', lang="en")
        assert en == {"INVALID_PROMPTPAY_ID": "A PromptPay ID is a 10-digit mobile number, a 13-digit tax ID or a "
                                              "15-digit e-wallet ID."}, bad
    th = await refused(gql, token, 'mutation { updateGarageSettings(input: {promptpayBillerId: "0105561234560"}) '
                                   f'{{ {SETTINGS} }} }}', lang="th")
    assert th == {"INVALID_BILLER_ID": "Biller ID มี 15 หลัก คือเลขประจำตัวผู้เสียภาษี 13 หลักของอู่ ตามด้วยเลขต่อท้าย 2 หลัก"}
    body = await gql("{ garage { promptpayId promptpayBillerId } }", token=token)
    assert body["data"]["garage"] == {"promptpayId": None, "promptpayBillerId": None}  # nothing changed
    for given, stored in (("081-234-5678", "0812345678"), ("+66 81 234 5678", "0812345678"),
                          ("0105561234560", "0105561234560"), ("123456789012345", "123456789012345")):
        saved = await ok(gql, token, f'mutation {{ updateGarageSettings(input: {{promptpayId: "{given}"}}) '
                                     f'{{ {SETTINGS} }} }}')
        assert saved["garage"]["promptpayId"] == stored
    saved = await ok(gql, token, 'mutation { updateGarageSettings(input: {promptpayBillerId: "010556123456001"}) '
                                 f'{{ {SETTINGS} }} }}')
    assert saved["garage"]["promptpayBillerId"] == "010556123456001"


async def test_qr_for_the_balance_due_on_invoices_and_part_payment_receipts(app, gql, garage, tmp_path):
    head, _branch = await thai_vat_garage(app, garage, promptpay_id="0812345678")
    customer, _ = await add_customer(app, garage, **corporate())
    token = garage.token(Role.BILLING)
    draft_invoice = await draft(app, garage, head, customer)
    body = await gql(INVOICE, {"id": str(draft_invoice.id)}, token=token)
    assert body["data"]["invoice"]["promptPay"] is None  # a draft has nothing due yet
    invoice = await issue(app, garage, draft_invoice.id)
    data = (await gql(INVOICE, {"id": str(invoice.id)}, token=token))["data"]["invoice"]
    qr = data["promptPay"]
    assert qr["amount"] == data["balanceDue"] == invoice.total
    assert qr["svg"].startswith("<svg") and "</svg>" in qr["svg"]
    account = {"00": "A000000677010111", "01": "0066812345678"}
    assert_thai_qr(qr["payload"], invoice.total, account)

    # the Thai invoice carries it: decoded from the rendered page, the same payload
    pdf = await pdf_of(app, garage, "invoice", invoice.id)
    assert decoded_qr(pdf, tmp_path, "invoice") == qr["payload"]
    assert "ชำระด้วยพร้อมเพย์" in "".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    # the same invoice in English (a foreign customer of the Thai garage) carries the same QR
    english = await pdf_of(app, garage, "invoice", invoice.id, "en")
    assert decoded_qr(english, tmp_path, "en") == qr["payload"]
    assert "Pay by PromptPay" in pypdf.PdfReader(io.BytesIO(english)).pages[0].extract_text()

    # a part payment: the receipt shows the QR for what is left, and so does the API
    async with app.state.services.db.transaction() as session:
        part = await payments.record_payment(session, garage.actor(Role.BILLING), invoice.id,
                                             payments.PaymentData(amount=100000, method="TRANSFER"))
    left = invoice.total - 100000
    data = (await gql(INVOICE, {"id": str(invoice.id)}, token=token))["data"]["invoice"]
    assert data["status"] == "PARTIALLY_PAID" and data["promptPay"]["amount"] == left
    assert_thai_qr(data["promptPay"]["payload"], left, account)
    receipt = decoded_qr(await pdf_of(app, garage, "receipt", part.id), tmp_path, "receipt")
    assert receipt == data["promptPay"]["payload"]

    # paid in full: no QR anywhere
    async with app.state.services.db.transaction() as session:
        last = await payments.record_payment(session, garage.actor(Role.BILLING), invoice.id,
                                             payments.PaymentData(amount=left, method="QR"))
    data = (await gql(INVOICE, {"id": str(invoice.id)}, token=token))["data"]["invoice"]
    assert data["status"] == "PAID" and data["promptPay"] is None
    assert decoded_qr(await pdf_of(app, garage, "receipt", last.id), tmp_path, "paid") == ""


async def test_a_biller_id_carries_the_invoice_number_as_reference(app, gql, garage, tmp_path):
    head, _branch = await thai_vat_garage(app, garage, promptpay_biller_id="010556123456001",
                                          promptpay_id="0812345678")
    customer, _ = await add_customer(app, garage, **corporate())
    invoice = await issue(app, garage, (await draft(app, garage, head, customer)).id)
    qr = (await gql(INVOICE, {"id": str(invoice.id)}, token=garage.token(Role.BILLING)))["data"]["invoice"][
        "promptPay"]
    reference = invoice.number.replace("-", "")  # INV-2026-000001 -> INV2026000001
    assert_thai_qr(qr["payload"], invoice.total,
                   {"00": "A000000677010112", "01": "010556123456001", "02": reference}, merchant_tag="30")
    assert decoded_qr(await pdf_of(app, garage, "invoice", invoice.id), tmp_path, "biller") == qr["payload"]


async def test_no_qr_without_an_id_and_the_list_reads_in_constant_statements(app, gql, garage, count_statements):
    head, _branch = await thai_vat_garage(app, garage)
    customer, _ = await add_customer(app, garage, **corporate())
    first = await issue(app, garage, (await draft(app, garage, head, customer)).id)
    query = "query($n: Int) { invoices(first: $n) { edges { node { number promptPay { amount payload } } } } }"
    token = garage.token(Role.BILLING)
    body = await gql(query, {"n": 5}, token=token)
    assert [e["node"]["promptPay"] for e in body["data"]["invoices"]["edges"]] == [None]
    async with app.state.services.db.transaction() as session:
        await session.execute(update(Garage).where(Garage.id == garage.id).values(promptpay_id="0812345678"))
    counts = {}
    for n in (1, 8):
        while len((await gql(query, {"n": 20}, token=token))["data"]["invoices"]["edges"]) < n:
            await issue(app, garage, (await draft(app, garage, head, customer)).id)
        with count_statements() as counter:
            body = await gql(query, {"n": n}, token=token)
        edges = body["data"]["invoices"]["edges"]
        assert len(edges) == n and all(e["node"]["promptPay"]["amount"] == first.total for e in edges)
        counts[n] = counter.count
    assert counts[1] == counts[8], counts


def test_payload_builder_matches_an_independent_reading():
    text = promptpay.payload(150, promptpay_id="0105561234560")
    assert_thai_qr(text, 150, {"00": "A000000677010111", "02": "0105561234560"})
    text = promptpay.payload(100, promptpay_id="123456789012345")
    assert_thai_qr(text, 100, {"00": "A000000677010111", "03": "123456789012345"})


def test_no_qr_outside_thb_or_when_nothing_is_due():
    from types import SimpleNamespace

    configured = SimpleNamespace(promptpay_id="0812345678", promptpay_biller_id=None)
    assert promptpay.for_balance(configured, "THB", 1000, "INV-2026-000001").amount == 1000
    assert promptpay.for_balance(configured, "GBP", 1000, "INV-2026-000001") is None  # PromptPay is baht only
    assert promptpay.for_balance(configured, "THB", 0, "INV-2026-000001") is None
    assert promptpay.for_balance(configured, "THB", 1000, None) is None  # a draft
    assert promptpay.for_balance(SimpleNamespace(promptpay_id=None, promptpay_biller_id=None), "THB", 1000,
                                 "INV-2026-000001") is None
