"""The billing documents' HTML is parsed by htmltree (the standard library's parser) into the very tree WeasyPrint's
HTML5 parser builds, for every template and its branches; markup outside the templates' subset is refused (and the
render falls back to WeasyPrint's parser) rather than guessed."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import tinyhtml5

from backend.billing.documents import htmltree, render
from backend.billing.documents.view import PaymentView, QrView
from tests.billing.test_documents import LINES, thai_invoice
from tests.billing.test_pdf_text import pypdf_text


def _tree(root) -> list:
    out = []

    def walk(element, depth):
        out.append((depth, element.tag, sorted(element.attrib.items()), element.text, element.tail))
        for child in element:
            walk(child, depth + 1)

    walk(root, 0)
    return out


def documents():
    lines = (dataclasses.replace(LINES[0], decision="APPROVED"), dataclasses.replace(LINES[1], decision="DECLINED"))
    invoice = thai_invoice(notes="ชำระภายใน 30 วัน\nขอบคุณที่ใช้บริการ & <ทดสอบ> \"อัญประกาศ\"")
    qr = QrView("000201", "data:image/svg+xml;base64,PHN2Zy8+", 449400)
    return {
        "invoice": invoice,
        "invoice en": dataclasses.replace(invoice, locale="en"),
        "draft": thai_invoice(number=None),
        "void": thai_invoice(status="VOID"),
        "abbreviated": thai_invoice(tax_invoice_form="ABBREVIATED", buyer=None),
        "promptpay": thai_invoice(promptpay=qr),
        "quote": thai_invoice(kind="quote", number="QT-2026-000007", lines=lines, valid_until=dt.date(2026, 3, 28)),
        "credit note": thai_invoice(kind="credit_note", number="CN-2026-000003", lines=LINES[1:], subtotal=300000,
                                    tax_total=21000, total=321000, reference_number="INV-2026-000042",
                                    reference_date=dt.date(2026, 3, 14), reference_total=449400,
                                    reason="ผ้าเบรกผิดรุ่น", issue_date=dt.date(2026, 3, 20),
                                    reference_subtotal=420000, refund_amount=10000),
        "receipt": thai_invoice(kind="receipt", number="INV-2026-000042-R1", lines=(), balance_due=None,
                                reference_number="INV-2026-000042", reference_total=449400, promptpay=qr,
                                payment=PaymentView(437400, 12000, "TRANSFER", dt.date(2026, 3, 15), "KBANK-1")),
    }


@pytest.mark.parametrize("name", list(documents()))
def test_each_template_gives_the_tree_of_the_html5_parser(name):
    html = render.render_html(documents()[name])
    ours = _tree(htmltree.parse(html))
    assert ours == _tree(tinyhtml5.parse(html, namespace_html_elements=False))
    assert ("tbody" in [tag for _depth, tag, *_rest in ours])  # the facts' and totals' implied sections


def test_the_notes_text_comes_through_as_written():
    text = pypdf_text(render.render_pdf(documents()["invoice"], use_cache=False))
    assert "ขอบคุณที่ใช้บริการ & <ทดสอบ> \"อัญประกาศ\"" in text


@pytest.mark.parametrize("html", [
    "<html><body><p>no head</p></body></html>",
    "<html><head></head><body><p>not closed</body></html>",
    "<html><head></head><body><div><p>x</div></p></body></html>",
    "<html><head></head><body><!-- a comment --></body></html>",
    "<html><head></head><body></body></html><p>after</p>",
    "<html><head></head><body><table><tr><td>1</td></tr><tbody></tbody></table></body></html>",
    "<html><head></head><body><div/></body></html>",
])
def test_markup_outside_the_subset_is_refused(html):
    with pytest.raises(htmltree.Unsupported):
        htmltree.parse(html)


def test_a_refused_document_still_renders_through_weasyprints_parser():
    html = "<html lang=\"th\"><body><p>ใบกำกับภาษี<p>ผู้ซื้อ</body></html>"  # implied ends: outside the subset
    with pytest.raises(htmltree.Unsupported):
        htmltree.parse(html)
    document = render._document_class()(string=html, base_url=str(render.TEMPLATES))
    pdf = document.write_pdf(stylesheets=render.document_stylesheets("th"), font_config=render._fonts(),
                             finisher=render.fix_text_map)
    text = pypdf_text(pdf)
    assert "ใบกำกับภาษี" in text and "ผู้ซื้อ" in text
