"""Credit note (§86/10) of a garage whose prices include VAT: the lines' unit price and discount are printed on the
same basis as every amount of the note, before VAT (the pdftotext of the PDF, Thai and English). Both databases."""

from __future__ import annotations

from backend.billing.service import credit_notes
from backend.billing.service import invoices as billing
from backend.core.permissions import Role
from tests.billing.test_thai_documents import add_customer, corporate, draft, issue, page_text, pdf_of, thai_vat_garage


async def test_credit_note_of_vat_inclusive_prices_prints_every_figure_before_vat(app, garage, tmp_path):
    _head, branch = await thai_vat_garage(app, garage, tax_rate=7, prices_include_tax=True)
    customer, _vehicle = await add_customer(app, garage, **corporate())
    # 1 x 1,200.00 less 200.00 and 2 x 1,500.00, VAT included: 934.58 + 2,803.74 before VAT
    invoice = await issue(app, garage, (await draft(app, garage, branch, customer)).id)
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (373832, 26168, 400000)
    async with app.state.services.db.transaction() as session:
        lines = await billing.invoice_lines(session, invoice)
        note = await credit_notes.create_credit_note(session, garage.actor(Role.BILLING), invoice.id,
                                                     credit_notes.CreditNoteData(reason="ผ้าเบรกผิดรุ่น", lines=[
                                                         credit_notes.CreditLineData(invoice_line_id=lines[0].id,
                                                                                     quantity="1"),
                                                         credit_notes.CreditLineData(invoice_line_id=lines[1].id,
                                                                                     quantity="1")]))
    assert note.subtotal == 93458 + 140187

    for locale in ("th", "en"):
        text = page_text(await pdf_of(app, garage, "credit_note", note.id, locale), tmp_path, layout=True)
        rows = {word: line for line in text.splitlines() for word in ("เปลี่ยนน้ำมันเครื่อง", "ผ้าเบรกหน้า")
                if word in line}
        # unit price and discount with the VAT taken out, like the amount next to them
        assert rows["เปลี่ยนน้ำมันเครื่อง"].split()[-3:] == ["1,121.50", "186.92", "934.58"], (locale, text)
        assert rows["ผ้าเบรกหน้า"].split()[-2:] == ["1,401.87", "1,401.87"], (locale, text)
        for inclusive in ("1,200.00", "1,500.00", "200.00"):  # no VAT-inclusive price left on the note
            assert inclusive not in text, (locale, inclusive, text)
        flat = " ".join(text.split())
        for figure in ("3,738.32", "1,401.87", "2,336.45", "163.55", "2,500.00"):  # §86/10 block, before VAT
            assert figure in flat, (locale, figure, flat)
