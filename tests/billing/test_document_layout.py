"""How the documents lay out: every page of a long invoice carries title, number, date and "page N of M"; the receipt's
details box keeps a document number and a Thai label whole; the credit note's §86/10 figures (before VAT, with the
line's discount) and reason; amounts in error messages in the reader's language; the Docker image's packages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import numpy

from backend.billing.documents.render import render_pdf
from backend.billing.documents.view import LineView, PaymentView
from backend.billing.service import credit_notes
from backend.core.permissions import Role
from tests.billing.helpers import ERRORS, ok, refused
from tests.billing.test_documents import thai_invoice
from tests.billing.test_thai_documents import (
    add_customer,
    corporate,
    draft,
    issue,
    page_png,
    page_text,
    pdf_of,
    thai_vat_garage,
)

ROOT = Path(__file__).resolve().parents[2]


def sixty_lines():
    lines = tuple(LineView(i, "PART", f"อะไหล่รายการที่ {i} ผ้าเบรกหน้า (ชุด)", Decimal(1), 10000, 0, 10000, 700, 10700)
                  for i in range(1, 61))
    return thai_invoice(lines=lines, subtotal=600000, tax_total=42000, total=642000, balance_due=642000)


def page_count(pdf: bytes) -> int:
    import io

    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_every_page_of_a_long_invoice_has_the_header_and_page_n_of_m(tmp_path):
    view = sixty_lines()
    for locale, title, date, counter in (("th", "ใบกำกับภาษี", "14 มีนาคม 2569", "หน้า {n} จาก {m}"),
                                         ("en", "Tax invoice", "14 March 2026", "Page {n} of {m}")):
        pdf = render_pdf(dataclasses.replace(view, locale=locale))
        pages = page_count(pdf)
        assert pages >= 2
        for n in range(1, pages + 1):
            text = page_text(pdf, tmp_path, n)
            head = text.strip().splitlines()[0]
            assert title in head and "INV-2026-000042" in head and date in head, (locale, n, head)
            assert counter.format(n=n, m=pages) in text, (locale, n, text[-200:])
        # the last page is drawn: its header band has ink, and the last line of the 60 is on it
        image = page_png(pdf, tmp_path, pages, name=f"last-{locale}")
        assert numpy.count_nonzero(image[: image.shape[0] // 10] < 128) > 300
        assert "60" in page_text(pdf, tmp_path, pages)


def test_the_receipts_details_box_keeps_numbers_and_thai_labels_whole(tmp_path):
    receipt = thai_invoice(kind="receipt", number="INV-2026-000042-R12", lines=(), issue_date=dt.date(2026, 3, 15),
                           reference_number="INV-2026-000042", reference_date=dt.date(2026, 3, 14),
                           reference_total=449400, balance_due=249400,
                           payment=PaymentView(200000, 0, "TRANSFER", dt.date(2026, 3, 15), "KBANK-778812"))
    pdf = render_pdf(receipt)
    lines = page_text(pdf, tmp_path, layout=True).splitlines()

    def line_with(*parts: str) -> str | None:
        return next((line for line in lines if all(p in line for p in parts)), None)

    # label and value on one line each, neither broken: a number never splits at its hyphens
    assert line_with("เลขที่", "INV-2026-000042-R12"), "\n".join(lines)
    assert line_with("อ้างอิงใบกำกับภาษีเลขที่", "INV-2026-000042"), "\n".join(lines)
    assert line_with("ใบกำกับภาษีลงวันที่", "14 มีนาคม 2569"), "\n".join(lines)
    assert line_with("วันที่", "15 มีนาคม 2569"), "\n".join(lines)
    for line in lines:  # no fragment of a number left alone on a line
        assert not re.fullmatch(r"\s*(R12|-?R12|000042-R12|2026-000042)\s*", line), line


async def test_credit_note_gives_the_section_86_10_figures_and_the_reason(app, garage, tmp_path):
    head, _branch = await thai_vat_garage(app, garage)
    customer, _ = await add_customer(app, garage, **corporate())
    invoice = await issue(app, garage, (await draft(app, garage, head, customer)).id)
    # the invoice: labour 1 x 1,200.00 less 200.00 discount = 1,000.00; parts 2 x 1,500.00 = 3,000.00; VAT 7 %
    assert (invoice.subtotal, invoice.tax_total) == (400000, 28000)
    async with app.state.services.db.transaction() as session:
        from backend.billing.service import invoices as billing

        labour = (await billing.invoice_lines(session, invoice))[0]
        note = await credit_notes.create_credit_note(session, garage.actor(Role.BILLING), invoice.id,
                                                     credit_notes.CreditNoteData(
            reason="คิดค่าแรงซ้ำ", lines=[credit_notes.CreditLineData(invoice_line_id=labour.id, quantity="1")]))
    pdf = await pdf_of(app, garage, "credit_note", note.id)
    text = " ".join(page_text(pdf, tmp_path).split())
    flat = "".join(text.split())
    for phrase in ("มูลค่าสินค้าหรือบริการตามใบกำกับภาษีเดิม (ก่อนภาษีมูลค่าเพิ่ม) 4,000.00",
                   "มูลค่าที่ถูกต้อง (ก่อนภาษีมูลค่าเพิ่ม) 3,000.00",
                   "ผลต่าง (ก่อนภาษีมูลค่าเพิ่ม) 1,000.00",
                   "ภาษีมูลค่าเพิ่มของผลต่าง (ภาษีมูลค่าเพิ่ม 7%) 70.00",
                   "รวมมูลค่าที่ลดหนี้ 1,070.00",
                   "คิดค่าแรงซ้ำ", invoice.number, note.number):
        assert "".join(phrase.split()) in flat, f"{phrase!r} not in\n{text}"
    # the line: unit price 1,200.00, its discount 200.00, the amount before VAT 1,000.00
    assert re.search(r"1,200\.00\s+200\.00\s+1,000\.00", page_text(pdf, tmp_path, layout=True)), text
    english = page_text(await pdf_of(app, garage, "credit_note", note.id, "en"), tmp_path, layout=True)
    rows = [" ".join(line.split()) for line in english.splitlines()]
    for label, value in (("Original value (before VAT)", "4,000.00"), ("Correct value (before VAT)", "3,000.00"),
                         ("Difference (before VAT)", "1,000.00"), ("VAT on the difference (VAT 7%)", "70.00"),
                         ("Total credit", "1,070.00"), ("Reason for the credit:", "คิดค่าแรงซ้ำ")):
        assert any(label in row and row.endswith(value) or f"{label} {value}" in row for row in rows), (
            f"{label} {value} not on one line in\n{english}")


CREDIT = f"""mutation($i: ID!, $lines: [CreditNoteLineInput!], $m: PaymentMethod) {{ createCreditNote(input: {{
  invoiceId: $i, reason: "ผิดรุ่น", lines: $lines, refundMethod: $m}}) {{ creditNote {{ number }} {ERRORS} }} }}"""
PAY = f"""mutation($i: ID!, $a: Amount!) {{ recordPayment(input: {{invoiceId: $i, amount: $a, method: CASH}}) {{
  payment {{ id }} {ERRORS} }} }}"""


async def test_amounts_in_error_messages_read_in_the_readers_language(app, gql, garage):
    head, _branch = await thai_vat_garage(app, garage)
    customer, _ = await add_customer(app, garage, **corporate())
    invoice = await issue(app, garage, (await draft(app, garage, head, customer)).id)
    token = garage.token(Role.BILLING)
    due = invoice.balance_due  # 4,280.00
    over = {"i": str(invoice.id), "a": due + 1}
    assert await refused(gql, token, PAY, over, lang="th") == {"OVERPAYMENT": "ยอดนี้เกินยอดค้างชำระ ฿4,280.00"}
    assert await refused(gql, token, PAY, over, lang="en") == {
        "OVERPAYMENT": "This is more than the balance due of THB4,280.00."}
    line = (await gql(f'{{ invoice(id: "{invoice.id}") {{ lines {{ id total }} }} }}', token=token))["data"][
        "invoice"]["lines"][1]
    too_much = {"i": str(invoice.id), "lines": [{"invoiceLineId": line["id"], "amount": line["total"] + 1}]}
    th = await refused(gql, token, CREDIT, too_much, lang="th")
    assert list(th) == ["CREDIT_EXCEEDS_LINE"] and "฿3,210.00" in th["CREDIT_EXCEEDS_LINE"]
    assert "THB" not in th["CREDIT_EXCEEDS_LINE"]
    en = await refused(gql, token, CREDIT, too_much, lang="en")
    assert "THB3,210.00" in en["CREDIT_EXCEEDS_LINE"]
    await ok(gql, token, PAY, {"i": str(invoice.id), "a": due})
    th = await refused(gql, token, CREDIT, {"i": str(invoice.id), "lines": None}, lang="th")
    assert list(th) == ["REFUND_METHOD_REQUIRED"] and "฿4,280.00" in th["REFUND_METHOD_REQUIRED"]


def _dockerfile_packages() -> set[str]:
    text = (ROOT / "Dockerfile").read_text()
    text = text.replace("\\\n", " ")
    packages: set[str] = set()
    for match in re.finditer(r"apt-get install ([^&\n]+)", text):
        packages.update(word for word in match.group(1).split() if not word.startswith("-"))
    return packages


def test_the_docker_image_installs_what_thai_pdfs_need():
    packages = _dockerfile_packages()
    # WeasyPrint's libraries, fontconfig, libthai for Thai word breaks, and the Thai fonts the stylesheet names
    needed = {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libharfbuzz-subset0", "fontconfig",
              "libthai0", "fonts-thai-tlwg"}
    assert needed <= packages, needed - packages
    css = (ROOT / "backend/templates/billing/documents.css").read_text()
    for family in ("Laksaman", "Loma", "Garuda"):  # fonts-thai-tlwg's families, first in the stylesheet's lists
        assert f'"{family}"' in css
    if shutil.which("apt-cache"):  # each name is a real Debian package (the image is Debian-based python:3.11-slim)
        for name in sorted(packages):
            shown = subprocess.run(["apt-cache", "show", name], capture_output=True, text=True)
            assert shown.returncode == 0 and f"Package: {name}" in shown.stdout, name
        depends = subprocess.run(["apt-cache", "depends", "fonts-thai-tlwg"], capture_output=True, text=True).stdout
        for font in ("fonts-tlwg-laksaman", "fonts-tlwg-loma", "fonts-tlwg-garuda"):
            assert font in depends, font
