"""Rendered PDFs are cached by their content (template version + the document's data + language): an issued
invoice fetched again is served without rendering, a draft's PDF follows its edits. Renders are counted, never timed.
Both databases."""

from __future__ import annotations

from backend.billing.documents import render
from backend.billing.service import invoices as billing
from backend.billing.service.common import LineInput
from backend.core.permissions import Role
from tests.billing.test_documents import link
from tests.billing.test_thai_documents import add_customer, corporate, draft, issue, page_text, thai_vat_garage


async def _fetch(client, url) -> bytes:
    response = await client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    return response.content


async def test_an_issued_invoice_is_rendered_once_and_a_draft_follows_its_edits(app, client, garage, tmp_path):
    _head, branch = await thai_vat_garage(app, garage)
    customer, _vehicle = await add_customer(app, garage, **corporate())
    invoice = await draft(app, garage, branch, customer)

    renders = render.RENDER_COUNT
    first = await _fetch(client, link("invoice", invoice.id, garage))
    assert render.RENDER_COUNT == renders + 1
    assert await _fetch(client, link("invoice", invoice.id, garage)) == first  # same draft, same content: cached
    assert render.RENDER_COUNT == renders + 1

    async with app.state.services.db.transaction() as session:  # an edit of the draft
        lines = await billing.invoice_lines(session, invoice)
        await billing.update_invoice_line(session, garage.actor(Role.BILLING), lines[0].id,
                                          LineInput(description="เปลี่ยนน้ำมันเกียร์อัตโนมัติ"))
    edited = await _fetch(client, link("invoice", invoice.id, garage))
    assert render.RENDER_COUNT == renders + 2 and edited != first
    assert "เปลี่ยนน้ำมันเกียร์อัตโนมัติ" in page_text(edited, tmp_path)

    issued = await issue(app, garage, invoice.id)
    pdf = await _fetch(client, link("invoice", issued.id, garage))
    assert render.RENDER_COUNT == renders + 3 and issued.number in " ".join(page_text(pdf, tmp_path).split())
    for _ in range(3):  # an issued invoice never changes: fetched again, it is not rendered again
        assert await _fetch(client, link("invoice", issued.id, garage)) == pdf
    assert render.RENDER_COUNT == renders + 3
    english = await _fetch(client, link("invoice", issued.id, garage, locale="en"))  # another language: its own
    assert render.RENDER_COUNT == renders + 4 and english != pdf and "Tax invoice" in page_text(english, tmp_path)


def test_the_cache_stays_within_its_bytes():
    cache = render.PdfCache(max_bytes=1000)
    for i in range(10):
        cache.put(f"k{i}", bytes(200))
    assert cache.bytes <= 1000 and len(cache) == 5
    assert cache.get("k0") is None and cache.get("k9") == bytes(200)
    cache.get("k5")  # used: kept ahead of older ones
    cache.put("k10", bytes(200))
    assert cache.get("k5") is not None and cache.get("k6") is None
    cache.put("huge", bytes(600))  # over a quarter of the bound: not cached, nothing evicted for it
    assert cache.get("huge") is None and len(cache) == 5
