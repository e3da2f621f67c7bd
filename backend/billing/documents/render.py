"""Billing documents to HTML (Jinja2, translated through the Babel catalogs) and to PDF (WeasyPrint).

`render_pdf(view)` is pure CPU work on a plain DocumentView: call it in a thread from async code. The same view
always gives the same bytes: the PDF's dates come from the document's own date and its file identifier from the
document's id and number, never from the clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import threading
import zlib
from collections import OrderedDict
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import jinja2
from babel.dates import format_date, get_month_names

from backend.billing.documents import htmltree
from backend.billing.documents.pdftext import fix_text_map
from backend.billing.documents.view import DocumentView, LineView
from backend.billing.documents.words import amount_in_words
from backend.core.i18n import N_, buddhist_year, translate
from backend.core.money import minor_exponent, to_major

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TEMPLATE_FOR_KIND = {
    "quote": "billing/quote.html",
    "invoice": "billing/invoice.html",
    "credit_note": "billing/credit_note.html",
    "receipt": "billing/receipt.html",
}

# Labels for values that come from the database as codes.
LINE_KIND_LABELS = {"LABOUR": N_("Labour"), "PART": N_("Part"), "OTHER": N_("Other")}
DECISION_LABELS = {"PENDING": N_("Awaiting decision"), "APPROVED": N_("Approved"), "DECLINED": N_("Declined")}
METHOD_LABELS = {"CASH": N_("Cash"), "CARD": N_("Card"), "TRANSFER": N_("Bank transfer"), "QR": N_("QR payment"),
                 "OTHER": N_("Other method")}

# A tax label the garage set is printed as is, except the ones with a customary name in the reader's language.
KNOWN_TAX_LABELS = (N_("VAT"),)

_GSTIN = re.compile(r"^\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")


def document_locale(locale: str | None) -> str:
    return "th" if locale == "th" else "en"


def format_amount(amount: int | None, currency: str) -> str:
    """1234550 satang -> "12,345.50" (the currency is printed once, in the heading of the amounts)."""
    if amount is None:
        return ""
    exponent = minor_exponent(currency)
    return f"{to_major(amount, currency):,.{exponent}f}"


def format_quantity(value: Decimal) -> str:
    text = f"{Decimal(value).normalize():f}"
    return text


def format_rate(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def format_doc_date(value: dt.date | None, locale: str) -> str:
    """14 March 2026; in Thai the Buddhist-era year: 14 มีนาคม 2569."""
    if value is None:
        return ""
    if locale == "th":
        month = get_month_names("wide", locale="th")[value.month]
        return f"{value.day} {month} {buddhist_year(value)}"
    return format_date(value, "d MMMM y", locale="en")


def is_head_office(branch: str | None) -> bool:
    text = (branch or "").strip()
    return not text or (text.isdigit() and int(text) == 0) or text.lower() in ("head office", "สำนักงานใหญ่")


def branch_text(branch: str | None, locale: str) -> str:
    """Head office, or the branch number as the Revenue Department writes it (สาขาที่ 00001)."""
    if is_head_office(branch):
        return translate(locale, N_("Head office"))
    text = branch.strip()
    if text.isdigit():
        text = text.zfill(5)
    return translate(locale, N_("Branch {number}"), number=text)


@dataclasses.dataclass(frozen=True)
class TaxRow:
    label: str
    amount: int


def tax_rows(view: DocumentView, locale: str) -> list[TaxRow]:
    """One row for the tax; a GST garage (GSTIN seller) splits an intra-state sale into CGST and SGST halves."""
    rate = format_rate(view.tax_rate)
    seller_gstin = (view.seller.tax_id or "").upper()
    buyer_gstin = ((view.buyer.tax_id if view.buyer else None) or "").upper()
    if view.tax_label.upper() == "GST" and _GSTIN.match(seller_gstin):
        if buyer_gstin and _GSTIN.match(buyer_gstin) and buyer_gstin[:2] != seller_gstin[:2]:
            return [TaxRow(f"IGST {rate}%", view.tax_total)]
        half_rate = format_rate(Decimal(view.tax_rate) / 2)
        cgst = view.tax_total - view.tax_total // 2
        return [TaxRow(f"CGST {half_rate}%", cgst), TaxRow(f"SGST {half_rate}%", view.tax_total - cgst)]
    return [TaxRow(f"{translate(locale, view.tax_label)} {rate}%", view.tax_total)]


def line_amount(line: LineView, view: DocumentView) -> int:
    """The amount printed on a line: before tax, or with tax when the garage's prices include it."""
    return line.total if view.prices_include_tax else line.net


class _Translations:
    """gettext callables for one language, for the Jinja2 i18n extension."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def gettext(self, message: str) -> str:
        return translate(self.locale, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translate(self.locale, singular if n == 1 else plural)


@lru_cache(maxsize=4)
def environment(locale: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = _Translations(locale)
    env.install_gettext_callables(translations.gettext, translations.ngettext, newstyle=True)
    env.filters["money"] = lambda amount, currency: format_amount(amount, currency)
    env.filters["qty"] = format_quantity
    env.filters["docdate"] = lambda value: format_doc_date(value, locale)
    env.filters["branch"] = lambda value: branch_text(value, locale)
    env.filters["label"] = lambda code, labels: translate(locale, labels.get(code, code)) if code else ""
    return env


def _title(view: DocumentView) -> tuple[str, str | None]:
    """(main title, subtitle) before translation."""
    if view.kind == "quote":
        return N_("Quotation"), None
    if view.kind == "credit_note":
        return N_("Credit note"), None
    if view.kind == "receipt":
        return N_("Receipt"), None
    if not view.number:
        return N_("Draft invoice"), None
    if view.tax_invoice_form == "ABBREVIATED":
        return N_("Abbreviated tax invoice"), None
    if view.seller.tax_id and Decimal(view.tax_rate) > 0:
        return N_("Tax invoice"), N_("Invoice")
    return N_("Invoice"), None


def page_counter_css(locale: str) -> str:
    """CSS `content` for "page N of M" in the reader's language (counter(page) and counter(pages))."""
    parts = translate(locale, N_("Page {page} of {pages}"), page="\0", pages="\1").split("\0")
    before, rest = parts[0], parts[1] if len(parts) > 1 else ""
    middle, _, after = rest.partition("\1")

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return f"{quoted(before)} counter(page) {quoted(middle)} counter(pages) {quoted(after)}"


# The lines' table is a fixed table (laid out once, not measured cell by cell first): its numeric columns get the
# width of their heading or of their widest value, whichever is wider, as an automatic table would give them.
COLUMN_HEADINGS = {"no": N_("No."), "qty": N_("Quantity"), "unit": N_("Unit price"), "disc": N_("Discount"),
                   "amount": N_("Amount"), "amount_tax": N_("Amount incl. tax"), "decision": N_("Decision")}
CELL_PADDING_MM = 3.0  # table.lines td/th: 1.5 mm either side
_SLACK_MM = 0.6
_DIGITS = "0123456789"


@dataclasses.dataclass(frozen=True)
class ColumnMetrics:
    headings: dict[str, float]  # mm, padding included
    digit: float  # mm per digit of an amount cell
    other: float  # mm per separator (",", ".", "-")
    decision: float  # the widest decision label, padding included


def _measure_cells(locale: str, cells: list[tuple[str, str]]) -> list[float]:
    """The width (mm, padding included) of each (tag, text) alone in a table.lines heading (th) or body (td) cell,
    as WeasyPrint lays it out."""
    import html as html_module

    tables = "".join(f'<table class="lines" style="width: auto"><tr><{tag} class="num">'
                     f"{html_module.escape(text)}</{tag}></tr></table>" for tag, text in cells)
    page = f'<html lang="{locale}"><body>{tables}</body></html>'
    stylesheets = document_stylesheets(locale)
    with _render_lock:
        document = _document_class()(string=page).render(stylesheets=stylesheets, font_config=_fonts())
    widths: list[float] = []

    def walk(box) -> None:
        if type(box).__name__ == "TableBox":
            widths.append(sum(box.column_widths) * 25.4 / 96)
        for child in getattr(box, "children", ()):
            walk(child)

    for page_ in document.pages:
        walk(page_._page_box)
    return widths


@lru_cache(maxsize=4)
def column_metrics(locale: str) -> ColumnMetrics:
    """Measured once per language and process (a few milliseconds): the headings in the catalog's words, the
    advance of a digit and of a separator in the amounts' font."""
    keys = list(COLUMN_HEADINGS)
    decisions = [translate(locale, label) for label in DECISION_LABELS.values()]
    cells = ([("th", translate(locale, COLUMN_HEADINGS[key])) for key in keys]
             + [("td", text) for text in ("0", "0" * 11, "0" + ",." * 5, *decisions)])
    widths = _measure_cells(locale, cells)
    headings = dict(zip(keys, widths[:len(keys)]))
    one, eleven, separators = widths[len(keys):len(keys) + 3]
    return ColumnMetrics(headings, (eleven - one) / 10, (separators - one) / 10,
                         max(widths[len(keys) + 3:], default=0.0))


def column_widths(view: DocumentView, locale: str, lines: list[dict]) -> dict[str, float]:
    """Content widths (mm) of the lines' numeric columns for this document's values."""
    metrics = column_metrics(locale)

    def text_mm(text: str) -> float:
        digits = sum(char in _DIGITS for char in text)
        return CELL_PADDING_MM + digits * metrics.digit + (len(text) - digits) * metrics.other

    def width(key: str, values) -> float:
        widest = max((text_mm(value) for value in values if value), default=0.0)
        return round(max(metrics.headings[key], widest) + _SLACK_MM - CELL_PADDING_MM, 2)

    rows = [row["line"] for row in lines]
    currency = view.currency
    amount_key = "amount_tax" if view.prices_include_tax else "amount"
    return {
        "no": width("no", [str(len(rows))]),
        "qty": width("qty", [format_quantity(line.quantity) for line in rows]),
        "unit": width("unit", [format_amount(line.unit_price, currency) for line in rows]),
        "disc": width("disc", [format_amount(line.discount, currency) for line in rows if line.discount]),
        "amount": width(amount_key, [format_amount(row["amount"], currency) for row in lines]),
        "decision": round(max(metrics.headings["decision"], metrics.decision) + _SLACK_MM - CELL_PADDING_MM, 2),
    }


def context(view: DocumentView) -> dict:
    locale = document_locale(view.locale)
    title, subtitle = _title(view)
    words_amount = view.payment.amount if view.kind == "receipt" and view.payment else view.total
    lines = [{"line": line, "amount": line_amount(line, view)} for line in view.lines]
    approved_total = sum(line.total for line in view.lines if line.decision == "APPROVED")
    return {
        "doc": view,
        "locale": locale,
        "title": translate(locale, title),
        "subtitle": translate(locale, subtitle) if subtitle else None,
        "draft": view.kind == "invoice" and not view.number,
        "void": view.status == "VOID",
        "lines": lines,
        "columns": column_widths(view, locale, lines) if view.kind != "receipt" else None,
        "tax_rows": tax_rows(view, locale),
        "amount_words": amount_in_words(words_amount, view.currency, locale),
        "approved_total": approved_total,
        "has_decisions": any(line.decision and line.decision != "PENDING" for line in view.lines),
        "line_kinds": LINE_KIND_LABELS,
        "decisions": DECISION_LABELS,
        "methods": METHOD_LABELS,
        "buddhist_era": locale == "th",
        "abbreviated": view.tax_invoice_form == "ABBREVIATED",
        # PromptPay (a THB invoice of a garage with a PromptPay ID, in either language) while a balance is due: on
        # the invoice and on the receipt of a part payment
        "promptpay": view.promptpay,
    }


def render_html(view: DocumentView) -> str:
    locale = document_locale(view.locale)
    template = environment(locale).get_template(TEMPLATE_FOR_KIND[view.kind])
    return template.render(context(view))


def _pdf_identifier(view: DocumentView) -> bytes:
    return hashlib.sha256(f"{view.kind}:{view.document_id}:{view.number or ''}".encode()).digest()[:16]


_font_config = None
_font_lock = threading.Lock()
# Pango and fontconfig are not safe to drive from several threads at once; documents render one at a time.
_render_lock = threading.Lock()


def _fonts():
    """One FontConfiguration for the process: loading fonts is the slow part of a first render."""
    global _font_config
    with _font_lock:
        if _font_config is None:
            from weasyprint.text.fonts import FontConfiguration

            _font_config = FontConfiguration()
        return _font_config


@lru_cache(maxsize=1)
def template_version() -> str:
    """A digest of everything a document is printed from besides its data: the billing templates and stylesheet,
    this module's source (filters, labels) and WeasyPrint's version. Read once per process."""
    import weasyprint

    digest = hashlib.sha256(weasyprint.__version__.encode())
    for path in sorted((TEMPLATES / "billing").iterdir()) + [Path(__file__)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_key(view: DocumentView) -> str:
    """The content of a document: template version + its data (every field of the view, the language included).
    An issued document's data never changes, so neither does its key; any edit of a draft changes it."""
    return hashlib.sha256(f"{template_version()}\0{view!r}".encode()).hexdigest()


class PdfCache:
    """Rendered PDFs in this process's memory, least recently used first out, bounded by their total bytes.

    In memory rather than on disk: nothing to clean up or to protect on a shared disk (a PDF carries a customer's
    name, address and tax ID), and a worker restart only costs one render per document fetched again."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            pdf = self._items.get(key)
            if pdf is not None:
                self._items.move_to_end(key)
            return pdf

    def put(self, key: str, pdf: bytes) -> None:
        if len(pdf) > self.max_bytes // 4:  # one huge document does not push out everything else
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= len(old)
            self._items[key] = pdf
            self.bytes += len(pdf)
            while self.bytes > self.max_bytes:
                _key, evicted = self._items.popitem(last=False)
                self.bytes -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)


PDF_CACHE = PdfCache(max_bytes=32 * 1024 * 1024)  # ~300 thirty-line invoices (about 100 KB each)
RENDER_COUNT = 0  # documents actually laid out by WeasyPrint in this process (the cache's misses)


def render_pdf(view: DocumentView, *, use_cache: bool = True) -> bytes:
    """The document as PDF bytes: from the cache when this exact content was rendered before, else rendered
    (CPU-bound, tens of milliseconds and more: run it in a worker thread)."""
    key = cache_key(view) if use_cache else None
    if key is not None and (pdf := PDF_CACHE.get(key)) is not None:
        return pdf
    pdf = _render(view)
    if key is not None:
        PDF_CACHE.put(key, pdf)
    return pdf


DEFLATE_LEVEL = 6


class _Deflate:
    """pydyf's zlib, but every stream deflated at DEFLATE_LEVEL: pydyf asks for level 9, which spent ~12 % of a
    render on a document's fonts and pages for files 0.04 % smaller than level 6's. Only pydyf sees it."""

    def __getattr__(self, name):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = DEFLATE_LEVEL, *args, **kwargs):
        return zlib.compressobj(min(level, DEFLATE_LEVEL), *args, **kwargs)


@lru_cache(maxsize=1)
def _document_class():
    """WeasyPrint's HTML with the billing documents' own small user-agent stylesheet (templates/billing/ua.css),
    parsed once: the cascade no longer matches every element against the whole HTML5 one."""
    import pydyf
    from weasyprint import CSS, HTML

    pydyf.zlib = _Deflate()
    ua = CSS(filename=str(TEMPLATES / "billing" / "ua.css"))

    class BillingHTML(HTML):
        """A billing document's HTML, its tree built by htmltree.parse (the standard library's parser, ~7x faster
        than WeasyPrint's pure-Python HTML5 one) when the markup is within the templates' subset, else by
        WeasyPrint."""

        def __init__(self, string: str, base_url: str | None = None) -> None:
            try:
                root = htmltree.parse(string)
            except htmltree.Unsupported:
                super().__init__(string=string, base_url=base_url)
                return
            import cssselect2
            from weasyprint.urls import URLFetcher, ensure_url

            self.base_url = ensure_url(base_url) if base_url is not None else None  # the templates have no <base>
            self.url_fetcher = URLFetcher()
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms=False):
            return [ua]

    return BillingHTML


@lru_cache(maxsize=4)
def document_stylesheets(locale: str) -> tuple:
    """billing/documents.css and the "page N of M" counter in `locale`, parsed once per language and process (a
    stylesheet inlined in each document was parsed again by every render)."""
    from weasyprint import CSS

    fonts = _fonts()
    with _render_lock:
        return (CSS(filename=str(TEMPLATES / "billing" / "documents.css"), font_config=fonts),
                CSS(string=f"@page {{ @bottom-right {{ content: {page_counter_css(locale)}; }} }}", font_config=fonts))


def _render(view: DocumentView) -> bytes:
    global RENDER_COUNT
    html = render_html(view)
    fonts = _fonts()
    stylesheets = document_stylesheets(document_locale(view.locale))
    with _render_lock:
        RENDER_COUNT += 1
        document = _document_class()(string=html, base_url=str(TEMPLATES))
        return document.write_pdf(stylesheets=stylesheets, font_config=fonts, pdf_identifier=_pdf_identifier(view),
                                  finisher=fix_text_map)  # Thai text that copies and extracts as printed


def filename(view: DocumentView) -> str:
    """INV-2026-000042.pdf; a draft has no number yet."""
    base = view.number or f"{view.kind}-{str(view.document_id)[:8]}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", base) + ".pdf"
