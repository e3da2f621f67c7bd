"""The PDF's text map (backend/billing/documents/pdftext.py): Thai words whose marks shaping moves, swaps for variant
glyphs or splits come back exactly as typed, with pypdf and with poppler's pdftotext, while the page is drawn the same."""

from __future__ import annotations

import io
import shutil
import subprocess
from unittest import mock

import pypdf

from backend.billing.documents import render
from backend.billing.documents.view import Party
from tests.billing.test_documents import thai_invoice
from tests.conftest import service_unavailable

WORDS = ("ใบกำกับภาษี", "ผู้ซื้อ", "จำกัด", "สำนักงานใหญ่", "น้ำมันเครื่อง", "สี่พันสองร้อยบาทถ้วน",
         "เลขประจำตัวผู้เสียภาษี")
MIXED = "ผู้ซื้อ ACME Co., Ltd. จำกัด (สำนักงานใหญ่) 1,234.50 บาท"


def need(tool: str) -> None:
    """poppler-utils (make test installs it): skipped without it, a failure under MOTOTRACK_REQUIRE_SERVICES=1."""
    if shutil.which(tool) is None:
        service_unavailable(f"{tool} (poppler-utils)")


def tricky_invoice():
    buyer = Party("ผู้ซื้อ น้ำมันเครื่อง จำกัด", "สี่พันสองร้อยบาทถ้วน", "0105559876541", "00000")
    return thai_invoice(buyer=buyer, vehicle=MIXED)


def pypdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def poppler_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text by pdftotext (missing: skipped, or a failure under MOTOTRACK_REQUIRE_SERVICES=1)."""
    need("pdftotext")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True, timeout=30).stdout


def test_tricky_thai_words_extract_exactly_with_pypdf():
    text = pypdf_text(render.render_pdf(tricky_invoice()))
    for word in WORDS:
        assert word in text, f"{word!r} not in\n{text}"
    assert MIXED in text
    assert "ภำษี" not in text and "ผูู" not in text  # the two old faults: a sara aa read as ำ, a tone as a vowel


def test_tricky_thai_words_extract_exactly_with_pdftotext(tmp_path):
    need("pdftotext")
    text = poppler_text(render.render_pdf(tricky_invoice()), tmp_path)
    for word in WORDS:
        assert word in text, f"{word!r} not in\n{text}"
    assert MIXED in text


def test_english_text_is_unchanged():
    text = pypdf_text(render.render_pdf(thai_invoice(locale="en")))
    assert "Tax invoice" in text and "Four thousand four hundred ninety-four baht only" in text
    assert "\ufb01" not in text and "\ufb03" not in text  # ligatures read as their letters


def test_the_page_is_drawn_the_same(tmp_path):
    need("pdftoppm")
    view = tricky_invoice()
    fixed = render.render_pdf(view)
    with mock.patch.object(render, "fix_text_map", lambda document, pdf: None):
        plain = render.render_pdf(view, use_cache=False)  # laid out again, without the text map fix
    assert fixed != plain
    images = []
    for name, pdf in (("fixed", fixed), ("plain", plain)):
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(tmp_path / f"{name}.pdf"),
                        str(tmp_path / name)], check=True)
        images.append((tmp_path / f"{name}.png").read_bytes())
    assert images[0] == images[1]


def test_same_data_same_bytes():
    assert render.render_pdf(tricky_invoice()) == render.render_pdf(tricky_invoice())


def test_a_failure_leaves_weasyprints_pdf(caplog):
    with mock.patch("backend.billing.documents.pdftext._join_clusters", side_effect=RuntimeError("boom")):
        pdf = render.render_pdf(tricky_invoice(), use_cache=False)
    assert "could not correct" in caplog.text
    assert "จ" in pypdf_text(pdf)  # still a readable document
