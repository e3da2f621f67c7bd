"""Billing documents as a customer gets them: the PDF's text in Thai and English, the Thai full tax invoice's
required items (Revenue Code §86/4), signed links over HTTP, and one garage never printing another's document."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re
import time
import uuid
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

import pypdf
import pytest
from sqlalchemy import update

from backend.accounts.models import Garage, Site, User
from backend.billing.documents import signing
from backend.billing.documents.render import render_pdf
from backend.billing.documents.view import DocumentView, LineView, Party, PaymentView
from backend.billing.service import credit_notes, payments
from backend.billing.service import invoices as billing
from backend.billing.service.common import LineInput
from backend.core.enums import Locale
from backend.core.permissions import Role
from backend.customers.models import Customer
from tests.conftest import make_settings

THAI_FONTS = ("Laksaman", "Sarabun", "Loma", "Garuda", "Norasi", "Kinnari", "Waree", "Umpush", "Sawasdee")


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    """Text for comparing with what a PDF gives back: no whitespace (Thai wraps anywhere, and a line break may fall
    inside a phrase). Every Thai mark is compared: tone marks, vowels above and below, sara am (ำ) — the PDF's text
    map is rebuilt from the font (backend/billing/documents/pdftext.py) so a copy reads as printed."""
    return re.sub(r"\s+", "", text)


# Words whose marks Thai shaping moves, swaps for variant glyphs or splits (ำ = ํ + า), exactly as a reader types them.
TRICKY = ("ใบกำกับภาษี", "ผู้ซื้อ", "จำกัด", "สำนักงานใหญ่", "น้ำมันเครื่อง", "เลขประจำตัวผู้เสียภาษี")


def assert_exact(text: str, *expected: str) -> None:
    """Each phrase appears character for character in the extracted text, line breaks aside."""
    flat = re.sub(r"\s*\n\s*", "", text)
    missing = [item for item in expected if item not in flat and item not in text]
    assert not missing, f"not extracted exactly: {missing}\n---\n{text}"


def assert_has(text: str, *expected: str) -> None:
    got = squash(text)
    missing = [item for item in expected if squash(item) not in got]
    assert not missing, f"missing from the PDF: {missing}\n---\n{text}"


def fonts_of(pdf: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


SELLER = Party("บริษัท โมโตแทร็ก การาจ จำกัด", "99/9 ถนนพระราม 9 แขวงห้วยขวาง เขตห้วยขวาง กรุงเทพมหานคร 10310",
               "0105561234560", "00000", "02-123-4567")
BUYER = Party("บริษัท สยามขนส่ง จำกัด", "123 ถนนสุขุมวิท แขวงคลองเตย เขตคลองเตย กรุงเทพมหานคร 10110",
              "0105559876541", "2")
LINES = (
    LineView(1, "LABOUR", "เปลี่ยนน้ำมันเครื่องและไส้กรอง", Decimal("1.500"), 80000, 0, 120000, 8400, 128400),
    LineView(2, "PART", "ผ้าเบรกหน้า (ชุด)", Decimal("2.000"), 150000, 0, 300000, 21000, 321000),
)


def thai_invoice(**changes) -> DocumentView:
    view = DocumentView(
        kind="invoice", document_id=uuid.UUID("0190f000-0000-7000-8000-000000000042"), locale="th", currency="THB",
        number="INV-2026-000042", issue_date=dt.date(2026, 3, 14), seller=SELLER, buyer=BUYER, lines=LINES,
        subtotal=420000, tax_total=29400, total=449400, tax_label="VAT", tax_rate=Decimal("7.000"),
        status="ISSUED", due_date=dt.date(2026, 4, 13), vehicle="1กข 1234 — Toyota Hilux", balance_due=449400,
    )
    return dataclasses.replace(view, **changes)


# ------------------------------------------------------------------------------------------- rendered by hand


def test_thai_full_tax_invoice_carries_every_required_item(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    pdf = render_pdf(thai_invoice())
    text = pdf_text(pdf)
    assert_has(
        text,
        "ใบกำกับภาษี",  # the words "tax invoice"
        SELLER.name, SELLER.address, "เลขประจำตัวผู้เสียภาษี 0105561234560", "สำนักงานใหญ่",  # seller
        BUYER.name, BUYER.address, "0105559876541", "สาขาที่ 00002",  # buyer, with its branch number
        "เลขที่ INV-2026-000042",  # serial number
        "วันที่ 14 มีนาคม 2569",  # Buddhist-era date
        "เปลี่ยนน้ำมันเครื่องและไส้กรอง", "1.5", "1,200.00", "ผ้าเบรกหน้า (ชุด)", "3,000.00",  # lines
        "มูลค่าก่อนภาษี 4,200.00", "ภาษีมูลค่าเพิ่ม 7% 294.00", "จำนวนเงินรวมทั้งสิ้น 4,494.00",  # VAT separate
        "สี่พันสี่ร้อยเก้าสิบสี่บาทถ้วน",  # amount in words
    )
    assert_exact(text, "ใบกำกับภาษี", "บริษัท โมโตแทร็ก การาจ จำกัด", "บริษัท สยามขนส่ง จำกัด", "สำนักงานใหญ่",
                 "เลขประจำตัวผู้เสียภาษี 0105561234560", "เปลี่ยนน้ำมันเครื่องและไส้กรอง", "ผ้าเบรกหน้า (ชุด)",
                 "ภาษีมูลค่าเพิ่ม 7%", "สี่พันสี่ร้อยเก้าสิบสี่บาทถ้วน", "เลขที่", "INV-2026-000042", "1กข 1234 — Toyota Hilux")
    assert "2026" not in squash(text).replace("INV-2026", "")  # no Gregorian year on a Thai document
    assert "Tax invoice" not in text and "Grand total" not in text  # the Thai document is in Thai
    assert fonts_of(pdf) & set(THAI_FONTS), fonts_of(pdf)
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]  # no glyph missing


def test_english_invoice_has_amount_in_words_and_tax():
    text = pdf_text(render_pdf(thai_invoice(locale="en")))
    assert_has(text, "Tax invoice", "Invoice no. INV-2026-000042", "Date 14 March 2026", "Due date 13 April 2026",
               "Value before tax 4,200.00", "VAT 7% 294.00", "Grand total 4,494.00", "Head office", "Branch 00002",
               "Four thousand four hundred ninety-four baht only")
    assert "ใบกำกับภาษี" not in text and "2569" not in text


def test_same_data_gives_the_same_pdf():
    first, second = render_pdf(thai_invoice()), render_pdf(thai_invoice())
    assert first == second
    other = render_pdf(thai_invoice(number="INV-2026-000043"))
    assert other != first and "INV-2026-000043" in pdf_text(other)


def test_draft_is_never_a_tax_invoice():
    text = pdf_text(render_pdf(thai_invoice(number=None, issue_date=None, status="DRAFT")))
    assert_has(text, "ร่างใบแจ้งหนี้", "ฉบับร่าง — ไม่ใช่ใบกำกับภาษี")
    assert squash("ใบกำกับภาษี") not in squash(text).replace(squash("ไม่ใช่ใบกำกับภาษี"), "")
    text = pdf_text(render_pdf(thai_invoice(locale="en", number=None, issue_date=None, status="DRAFT")))
    assert "Draft invoice" in text and "Tax invoice" not in text


def test_prices_including_tax_still_show_the_tax_apart():
    lines = (LineView(1, "PART", "Wiper blades", Decimal(1), 107000, 0, 100000, 7000, 107000),)
    text = pdf_text(render_pdf(thai_invoice(locale="en", lines=lines, prices_include_tax=True, subtotal=100000,
                                            tax_total=7000, total=107000, balance_due=107000)))
    assert_has(text, "Amount incl. tax", "Total including tax 1,070.00", "Value before tax 1,000.00",
               "VAT 7% 70.00", "One thousand seventy baht only")


def test_gst_garage_splits_cgst_and_sgst():
    seller = Party("Bengaluru Motors", "MG Road, Bengaluru", "29ABCDE1234F1Z5")
    lines = (LineView(1, "LABOUR", "Wheel alignment", Decimal(1), 100000, 0, 100000, 18000, 118000),)
    view = thai_invoice(locale="en", currency="INR", seller=seller, buyer=Party("Asha Rao"), lines=lines,
                        tax_label="GST", tax_rate=Decimal(18), subtotal=100000, tax_total=18000, total=118000,
                        balance_due=118000)
    assert_has(pdf_text(render_pdf(view)), "CGST 9% 90.00", "SGST 9% 90.00", "Grand total 1,180.00",
               "One thousand one hundred eighty rupees only")
    other_state = dataclasses.replace(view, buyer=Party("Chennai Fleet", tax_id="33ABCDE1234F1Z5"))
    assert_has(pdf_text(render_pdf(other_state)), "IGST 18% 180.00")


def test_quote_shows_each_line_decision():
    lines = (dataclasses.replace(LINES[0], decision="APPROVED"), dataclasses.replace(LINES[1], decision="DECLINED"))
    quote = thai_invoice(kind="quote", number="QT-2026-000007", lines=lines, valid_until=dt.date(2026, 3, 28))
    text = pdf_text(render_pdf(quote))
    assert_exact(text, "ใบเสนอราคา", "จำกัด", "สำนักงานใหญ่", "เลขประจำตัวผู้เสียภาษี", "เปลี่ยนน้ำมันเครื่องและไส้กรอง",
                 "ไม่อนุมัติ", "ยืนราคาถึงวันที่ 28 มีนาคม 2569")
    assert_has(text, "ใบเสนอราคา", "QT-2026-000007", "ยืนราคาถึงวันที่ 28 มีนาคม 2569", "อนุมัติ", "ไม่อนุมัติ",
               "รวมงานที่อนุมัติ 1,284.00")
    text = pdf_text(render_pdf(dataclasses.replace(quote, locale="en")))
    assert_has(text, "Quotation", "Valid until 28 March 2026", "Approved", "Declined", "Approved work 1,284.00")


def test_credit_note_references_its_invoice():
    note = thai_invoice(kind="credit_note", number="CN-2026-000003", lines=LINES[1:], subtotal=300000,
                        tax_total=21000, total=321000, reference_number="INV-2026-000042",
                        reference_date=dt.date(2026, 3, 14), reference_total=449400, reason="ผ้าเบรกผิดรุ่น คืนสินค้า",
                        issue_date=dt.date(2026, 3, 20), reference_subtotal=420000)
    text = pdf_text(render_pdf(note))
    assert_exact(text, "ใบลดหนี้", "ใบกำกับภาษี", "จำกัด", "สำนักงานใหญ่", "เลขประจำตัวผู้เสียภาษี",
                 "ผ้าเบรกผิดรุ่น คืนสินค้า", "สามพันสองร้อยสิบบาทถ้วน")
    assert_has(text, "ใบลดหนี้", "CN-2026-000003", "อ้างอิงใบกำกับภาษีเลขที่ INV-2026-000042",
               "ใบกำกับภาษีลงวันที่ 14 มีนาคม 2569", "ผ้าเบรกผิดรุ่น คืนสินค้า",
               # §86/10, all before VAT: original 4,200.00, correct 1,200.00, difference 3,000.00, VAT on it 210.00
               "มูลค่าสินค้าหรือบริการตามใบกำกับภาษีเดิม (ก่อนภาษีมูลค่าเพิ่ม) 4,200.00",
               "มูลค่าที่ถูกต้อง (ก่อนภาษีมูลค่าเพิ่ม) 1,200.00", "ผลต่าง (ก่อนภาษีมูลค่าเพิ่ม) 3,000.00",
               "ภาษีมูลค่าเพิ่มของผลต่าง (ภาษีมูลค่าเพิ่ม 7%) 210.00", "สามพันสองร้อยสิบบาทถ้วน")
    assert_has(pdf_text(render_pdf(dataclasses.replace(note, locale="en"))), "Credit note", "For invoice INV-2026-000042",
               "Three thousand two hundred ten baht only")


def test_receipt_shows_the_payment_and_withholding():
    receipt = thai_invoice(kind="receipt", number="INV-2026-000042-R1", lines=(), issue_date=dt.date(2026, 3, 15),
                           reference_number="INV-2026-000042", reference_total=449400, balance_due=None,
                           payment=PaymentView(437400, 12000, "TRANSFER", dt.date(2026, 3, 15), "KBANK-778812"))
    text = pdf_text(render_pdf(receipt))
    assert_exact(text, "ใบเสร็จรับเงิน", "จำกัด", "สำนักงานใหญ่", "เลขประจำตัวผู้เสียภาษี", "โอนเงินผ่านธนาคาร",
                 "ภาษีหัก ณ ที่จ่าย", "สี่พันสามร้อยเจ็ดสิบสี่บาทถ้วน")
    four_thousand_two_hundred = dataclasses.replace(
        receipt, payment=PaymentView(420000, 0, "CASH", dt.date(2026, 3, 15), None))
    assert_exact(pdf_text(render_pdf(four_thousand_two_hundred)), "สี่พันสองร้อยบาทถ้วน")
    assert_has(text, "ใบเสร็จรับเงิน", "INV-2026-000042-R1", "โอนเงินผ่านธนาคาร",
               "KBANK-778812", "วันที่ชำระ: 15 มีนาคม 2569", "ภาษีหัก ณ ที่จ่าย 120.00", "4,374.00",
               "สี่พันสามร้อยเจ็ดสิบสี่บาทถ้วน", "ยอดที่ตัดชำระตามใบแจ้งหนี้ 4,494.00")
    assert_has(pdf_text(render_pdf(dataclasses.replace(receipt, locale="en"))), "Receipt", "Bank transfer",
               "Withholding tax 120.00", "Four thousand three hundred seventy-four baht only")


def test_thirty_lines_flow_onto_more_pages_with_every_line():
    lines = tuple(LineView(i, "PART", f"อะไหล่รายการที่ {i}", Decimal(1), 10000, 0, 10000, 700, 10700)
                  for i in range(1, 41))
    pdf = render_pdf(thai_invoice(lines=lines, subtotal=400000, tax_total=28000, total=428000))
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) >= 2
    assert_has(pdf_text(pdf), *(f"อะไหล่รายการที่ {i}" for i in range(1, 41)), "สี่พันสองร้อยแปดสิบบาทถ้วน")


# ------------------------------------------------------------------------------------------- signing, no database


def test_signature_covers_every_part_of_the_link():
    doc, garage_id, user_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    url = signing.signed_pdf_url("invoice", doc, garage_id, user_id, locale="th", secret="s" * 40)
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    signed = signing.verify_signed_pdf("invoice", doc, query, secret="s" * 40)
    assert (signed.garage_id, signed.user_id, signed.locale) == (garage_id, user_id, "th")
    for key, value in (("g", str(uuid.uuid4())), ("u", ""), ("lang", "en"), ("exp", str(int(query["exp"]) + 999))):
        with pytest.raises(signing.SignatureInvalid):
            signing.verify_signed_pdf("invoice", doc, {**query, key: value}, secret="s" * 40)
    with pytest.raises(signing.SignatureInvalid):
        signing.verify_signed_pdf("quote", doc, query, secret="s" * 40)  # another kind
    with pytest.raises(signing.SignatureInvalid):
        signing.verify_signed_pdf("invoice", uuid.uuid4(), query, secret="s" * 40)  # another document
    with pytest.raises(signing.SignatureInvalid):
        signing.verify_signed_pdf("invoice", doc, query, secret="t" * 40)  # another deployment
    with pytest.raises(signing.SignatureExpired):
        signing.verify_signed_pdf("invoice", doc, query, secret="s" * 40, now=time.time() + 301)


def test_generic_download_links():
    garage_id = uuid.uuid4()
    url = signing.sign_url("/exports/abc.xlsx", garage_id=garage_id, user_id=None, ttl_seconds=60, secret="k" * 40,
                           format="xlsx")
    split = urlsplit(url)
    signed = signing.verify_url(split.path, parse_qsl(split.query, keep_blank_values=True), secret="k" * 40)
    assert signed.garage_id == garage_id and signed.user_id is None and signed.params == {"format": "xlsx"}
    with pytest.raises(signing.SignatureInvalid):
        signing.verify_url("/exports/other.xlsx", parse_qsl(split.query, keep_blank_values=True), secret="k" * 40)
    with pytest.raises(ValueError):
        signing.sign_url("/x", garage_id=garage_id, user_id=None, secret="k" * 40, exp=1)


# ------------------------------------------------------------------------------------------- end to end over HTTP


async def thai_garage_with_invoice(app, world):
    """A Thai garage with its tax details, a corporate customer, an issued invoice, a payment with withholding
    and a credit note — through the billing services, as billing staff would."""
    actor = world.actor(Role.ADMIN)
    async with app.state.services.db.transaction() as session:
        await session.execute(update(Garage).where(Garage.id == world.id).values(
            name="บริษัท โมโตแทร็ก การาจ จำกัด", tax_id="0105561234560", branch="00000",
            address="99/9 ถนนพระราม 9 กรุงเทพมหานคร 10310", default_locale=Locale.TH))
        site = Site(garage_id=world.id, name="สาขาพระราม 9", address="99/9 ถนนพระราม 9 กรุงเทพมหานคร 10310")
        customer = Customer(garage_id=world.id, name="บริษัท สยามขนส่ง จำกัด", address="123 ถนนสุขุมวิท กรุงเทพฯ 10110",
                            tax_id="0105559876541", branch="00002", locale=Locale.TH)
        session.add_all([site, customer])
        await session.flush()
        invoice = await billing.create_invoice(session, actor, billing.InvoiceData(
            site_id=site.id, customer_id=customer.id, lines=[
                LineInput(kind="LABOUR", description="เปลี่ยนน้ำมันเครื่อง", quantity="1", unit_price=120000),
                LineInput(kind="PART", description="ผ้าเบรกหน้า", quantity="2", unit_price=150000),
            ]))
        invoice = await billing.issue_invoice(session, actor, invoice.id)
        lines = await billing.invoice_lines(session, invoice)
        payment = await payments.record_payment(session, actor, invoice.id, payments.PaymentData(
            amount=100000, withholding_amount=3600, method="TRANSFER", paid_on=invoice.issue_date,
            reference="KBANK-1"))
        note = await credit_notes.create_credit_note(session, actor, invoice.id, credit_notes.CreditNoteData(
            reason="ผ้าเบรกผิดรุ่น", lines=[credit_notes.CreditLineData(invoice_line_id=lines[1].id, quantity="1")]))
        ids = {"invoice": invoice.id, "receipt": payment.id, "credit_note": note.id}
        numbers = {"invoice": invoice.number, "credit_note": note.number}
        total = invoice.total
    return ids, numbers, total


def link(kind, doc_id, world, role=Role.BILLING, **kw):
    """A link signed with the test application's secret, as its pdfUrl fields sign them."""
    kw.setdefault("secret", make_settings("sqlite+aiosqlite://").secret_key)
    return signing.signed_pdf_url(kind, doc_id, world.id, world.users[role].id, **kw)


async def test_signed_links_serve_each_document_in_the_customers_language(app, client, garage):
    ids, numbers, total = await thai_garage_with_invoice(app, garage)
    response = await client.get(link("invoice", ids["invoice"], garage))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'inline; filename="{numbers["invoice"]}.pdf"'
    assert "no-store" in response.headers["cache-control"] and "private" in response.headers["cache-control"]
    text = pdf_text(response.content)
    from backend.billing.documents.words import thai_amount_in_words
    assert_has(text, "ใบกำกับภาษี", numbers["invoice"], "0105561234560", "สำนักงานใหญ่", "บริษัท สยามขนส่ง จำกัด",
               "0105559876541", "สาขาที่ 00002", "ภาษีมูลค่าเพิ่ม 7%", thai_amount_in_words(total, "THB"),
               "เปลี่ยนน้ำมันเครื่อง", "ผ้าเบรกหน้า")
    assert re.search(r"25\d\d", text)  # Buddhist-era year

    english = await client.get(link("invoice", ids["invoice"], garage, locale="en"))
    assert english.status_code == 200
    assert_has(pdf_text(english.content), "Tax invoice", numbers["invoice"], "VAT 7%", "baht")

    receipt = await client.get(link("receipt", ids["receipt"], garage))
    assert receipt.status_code == 200
    assert_has(pdf_text(receipt.content), "ใบเสร็จรับเงิน", f"{numbers['invoice']}-R1", "KBANK-1", "1,000.00",
               "ภาษีหัก ณ ที่จ่าย 36.00", "หนึ่งพันบาทถ้วน", "โอนเงินผ่านธนาคาร")

    note = await client.get(link("credit_note", ids["credit_note"], garage))
    assert note.status_code == 200
    assert response.headers["content-disposition"].startswith("inline")
    assert_has(pdf_text(note.content), "ใบลดหนี้", numbers["credit_note"], numbers["invoice"], "ผ้าเบรกผิดรุ่น")


async def test_bad_expired_and_foreign_links_are_refused(app, client, garage, other_garage):
    ids, _numbers, _total = await thai_garage_with_invoice(app, garage)
    invoice_id = ids["invoice"]
    good = link("invoice", invoice_id, garage)
    path, query = urlsplit(good).path, dict(parse_qsl(urlsplit(good).query, keep_blank_values=True))

    tampered = await client.get(path + "?" + urlencode({**query, "sig": query["sig"][:-2] + "AA"}))
    assert tampered.status_code == 403 and tampered.headers["content-type"].startswith("text/plain")
    assert "not valid" in tampered.text

    unsigned = await client.get(path)
    assert unsigned.status_code == 403

    expired_url = signing.sign_url(path, garage_id=garage.id, user_id=garage.users[Role.BILLING].id,
                                   ttl_seconds=300, now=time.time() - 301,
                                   secret=make_settings("sqlite+aiosqlite://").secret_key)
    expired = await client.get(expired_url, headers={"Accept-Language": "th"})
    assert expired.status_code == 410 and "หมดอายุ" in expired.text

    # a genuine signature of another garage does not open this garage's document
    foreign = await client.get(link("invoice", invoice_id, other_garage))
    assert foreign.status_code == 404 and b"%PDF" not in foreign.content
    # nor does moving the signature onto another garage
    moved = await client.get(path + "?" + urlencode({**query, "g": str(other_garage.id)}))
    assert moved.status_code == 403
    # a receipt link is keyed by the payment: an invoice id under the receipt kind finds nothing
    wrong_kind = await client.get(link("receipt", invoice_id, garage))
    assert wrong_kind.status_code == 404

    # a user deactivated since the link was made can no longer use it
    async with app.state.services.db.transaction() as session:
        await session.execute(update(User).where(User.id == garage.users[Role.BILLING].id).values(active=False))
    assert (await client.get(good)).status_code == 403


async def test_rendering_keeps_the_server_responsive(app, client, garage):
    """Rendering runs in a worker thread: a health check made while a PDF renders is answered first."""
    import asyncio

    ids, _numbers, _total = await thai_garage_with_invoice(app, garage)
    order: list[str] = []

    async def fetch_pdf():
        response = await client.get(link("invoice", ids["invoice"], garage))
        order.append("pdf")
        assert response.status_code == 200

    async def health():
        await asyncio.sleep(0.05)
        response = await client.get("/healthz")
        order.append("health")
        assert response.status_code == 200

    await asyncio.gather(fetch_pdf(), health())
    assert order == ["health", "pdf"]
