"""Thai tax documents as a Thai accountant checks them (issue 12): the issuing site's branch code with its registered
address, full tax invoice completeness (nothing numbered when refused), abbreviated tax invoices for walk-ins, tax
IDs with their check digit, branch codes over the API, and each Thai document's first page rendered to PNG and
compared with pdftotext for its header fields. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess

import numpy
from sqlalchemy import update

from backend.accounts.models import Garage, Site
from backend.billing.documents.views import document_view
from backend.billing.documents.render import render_pdf
from backend.billing.service import credit_notes, payments, quotes
from backend.billing.service import invoices as billing
from backend.billing.service.common import LineInput
from backend.core.enums import Locale
from backend.core.errors import DomainError
from backend.core.permissions import Role
from backend.customers.models import Customer, Vehicle
from tests.billing.helpers import ERRORS, ok, refused
from tests.billing.test_pdf_text import need

GARAGE_TAX_ID = "0105561234560"
HEAD_OFFICE_ADDRESS = "99/9 ถนนพระราม 9 แขวงห้วยขวาง เขตห้วยขวาง กรุงเทพมหานคร 10310"
BRANCH_ADDRESS = "55 ถนนบางนา-ตราด แขวงบางนาใต้ เขตบางนา กรุงเทพมหานคร 10260"
BUYER_ADDRESS = "123 ถนนสุขุมวิท แขวงคลองเตย เขตคลองเตย กรุงเทพมหานคร 10110"


async def thai_vat_garage(app, world, **garage_fields):
    """A Thai VAT garage: Rama 9 head office (no address of its own: the garage's is the head office's) and the
    Bang Na branch 00001 with its own registered address."""
    async with app.state.services.db.transaction() as session:
        await session.execute(update(Garage).where(Garage.id == world.id).values(
            name="บริษัท โมโตแทร็ก การาจ จำกัด", tax_id=GARAGE_TAX_ID, address=HEAD_OFFICE_ADDRESS,
            default_locale=Locale.TH, **garage_fields))
        head = Site(garage_id=world.id, name="พระราม 9", branch_code="00000", address="ที่อยู่หน้าร้าน พระราม 9")
        branch = Site(garage_id=world.id, name="บางนา", branch_code="00001", address=BRANCH_ADDRESS)
        session.add_all([head, branch])
        await session.flush()
    return head, branch


async def add_customer(app, world, **fields):
    async with app.state.services.db.transaction() as session:
        customer = Customer(garage_id=world.id, locale=Locale.TH, **fields)
        session.add(customer)
        await session.flush()
        vehicle = Vehicle(garage_id=world.id, registration=f"1KK{str(customer.id)[-6:]}".upper(),
                          registration_display="1กข 1234", owner_id=customer.id)
        session.add(vehicle)
        await session.flush()
    return customer, vehicle


def corporate(**changes):
    fields = dict(name="บริษัท สยามขนส่ง จำกัด", address=BUYER_ADDRESS, tax_id="0105559876541", branch="00002")
    fields.update(changes)
    return fields


LINES = [LineInput(kind="LABOUR", description="เปลี่ยนน้ำมันเครื่อง", quantity="1", unit_price=120000, discount=20000),
         LineInput(kind="PART", description="ผ้าเบรกหน้า", quantity="2", unit_price=150000)]


async def draft(app, world, site, customer):
    async with app.state.services.db.transaction() as session:
        return await billing.create_invoice(session, world.actor(Role.BILLING), billing.InvoiceData(
            site_id=site.id, customer_id=customer.id if customer else None, lines=list(LINES)))


async def issue(app, world, invoice_id):
    async with app.state.services.db.transaction() as session:
        return await billing.issue_invoice(session, world.actor(Role.BILLING), invoice_id)


async def pdf_of(app, world, kind, document_id, locale=None) -> bytes:
    async with app.state.services.db.read() as session:
        view = await document_view(session, kind, world.id, document_id, locale)
    return render_pdf(view)


def page_text(pdf: bytes, tmp_path, page: int = 1, layout: bool = False) -> str:
    need("pdftotext")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-enc", "UTF-8", "-f", str(page), "-l", str(page)] + (["-layout"] if layout else [])
    return subprocess.run(args + [str(path), "-"], check=True, capture_output=True, text=True).stdout


def page_png(pdf: bytes, tmp_path, page: int = 1, dpi: int = 100, name: str = "page"):
    """The page as a grey image array (pdftoppm), for checking what is drawn."""
    import cv2

    need("pdftoppm")
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
    image = cv2.imread(str(tmp_path / f"{name}.png"), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return image


def assert_page_drawn_with(pdf: bytes, tmp_path, *fields: str) -> None:
    """Page 1 rendered to PNG is a real page (ink in its header band and body), and pdftotext of that same page
    finds every header field."""
    image = page_png(pdf, tmp_path)
    height = image.shape[0]
    header_band, body = image[: height // 5], image[height // 5:]
    assert numpy.count_nonzero(header_band < 128) > 2000, "nothing drawn in the page's header"
    assert numpy.count_nonzero(body < 128) > 5000, "nothing drawn in the page's body"
    text = page_text(pdf, tmp_path)
    flat = "".join(text.split())  # a Thai phrase may wrap between words
    missing = [f for f in fields if "".join(f.split()) not in flat]
    assert not missing, f"not on page 1: {missing}\n---\n{text}"


# ------------------------------------------------------------------------------------------- seller branch


async def test_each_document_shows_the_issuing_sites_branch_with_its_address(app, garage, tmp_path):
    head, branch = await thai_vat_garage(app, garage)
    customer, vehicle = await add_customer(app, garage, **corporate())
    invoice = await issue(app, garage, (await draft(app, garage, branch, customer)).id)
    assert (invoice.seller_branch, invoice.seller_address) == ("00001", BRANCH_ADDRESS)
    actor = garage.actor(Role.BILLING)
    async with app.state.services.db.transaction() as session:
        payment = await payments.record_payment(session, actor, invoice.id, payments.PaymentData(
            amount=100000, method="TRANSFER"))
        lines = await billing.invoice_lines(session, invoice)
        note = await credit_notes.create_credit_note(session, actor, invoice.id, credit_notes.CreditNoteData(
            reason="ผ้าเบรกผิดรุ่น", lines=[credit_notes.CreditLineData(invoice_line_id=lines[1].id, quantity="1")]))
        quote = await quotes.create_quote(session, garage.actor(Role.SITE_MANAGER), quotes.QuoteData(
            vehicle_id=vehicle.id, site_id=branch.id, lines=[LineInput(kind="LABOUR", description="ตั้งศูนย์ล้อ",
                                                                      quantity="1", unit_price=80000)]))
    documents = {"invoice": (invoice.id, "ใบกำกับภาษี", invoice.number),
                 "receipt": (payment.id, "ใบเสร็จรับเงิน", f"{invoice.number}-R1"),
                 "credit_note": (note.id, "ใบลดหนี้", note.number),
                 "quote": (quote.id, "ใบเสนอราคา", quote.number)}
    for kind, (doc_id, title, number) in documents.items():
        pdf = await pdf_of(app, garage, kind, doc_id)
        text = " ".join(page_text(pdf, tmp_path).split())
        assert "สาขาที่ 00001" in text and "55 ถนนบางนา-ตราด" in text, (kind, text)
        assert "สำนักงานใหญ่" not in text, f"{kind}: a branch printed as head office\n{text}"
        assert HEAD_OFFICE_ADDRESS.split()[0] + " ถนนพระราม 9" not in text, kind
        # one page of each Thai document rendered, and its header fields found on that page
        assert_page_drawn_with(pdf, tmp_path, title, number, "บริษัท โมโตแทร็ก การาจ จำกัด", GARAGE_TAX_ID,
                               "สาขาที่ 00001")
        english = " ".join(page_text(await pdf_of(app, garage, kind, doc_id, "en"), tmp_path).split())
        assert "Branch 00001" in english and "Head office" not in english, (kind, english)

    # the head office: สำนักงานใหญ่ with the garage's registered address, on the quote and the invoice alike
    invoice = await issue(app, garage, (await draft(app, garage, head, customer)).id)
    async with app.state.services.db.transaction() as session:
        quote = await quotes.create_quote(session, garage.actor(Role.SITE_MANAGER), quotes.QuoteData(
            vehicle_id=vehicle.id, site_id=head.id, lines=[LineInput(kind="LABOUR", description="ตั้งศูนย์ล้อ",
                                                                    quantity="1", unit_price=80000)]))
    for kind, doc_id in (("invoice", invoice.id), ("quote", quote.id)):
        text = " ".join(page_text(await pdf_of(app, garage, kind, doc_id), tmp_path).split())
        assert "สำนักงานใหญ่" in text and HEAD_OFFICE_ADDRESS in text, (kind, text)
        assert "สาขาที่ 00001" not in text and "ที่อยู่หน้าร้าน" not in text, (kind, text)


# ------------------------------------------------------------------------------------------- completeness


async def test_full_tax_invoice_without_the_buyers_details_is_refused_and_not_numbered(app, gql, garage, tmp_path):
    _head, branch = await thai_vat_garage(app, garage)
    customer, _ = await add_customer(app, garage, **corporate(address=None, branch=None))
    invoice = await draft(app, garage, branch, customer)
    token = garage.token(Role.BILLING)
    mutation = f"mutation($i: ID!) {{ issueInvoice(input: {{id: $i}}) {{ invoice {{ number }} {ERRORS} }} }}"
    en = await refused(gql, token, mutation, {"i": str(invoice.id)}, lang="en")
    assert list(en) == ["TAX_INVOICE_BUYER_INCOMPLETE"]
    assert "buyer's address, branch (head office or branch number)" in en["TAX_INVOICE_BUYER_INCOMPLETE"]
    th = await refused(gql, token, mutation, {"i": str(invoice.id)}, lang="th")
    assert "ใบกำกับภาษีเต็มรูปยังขาดข้อมูลผู้ซื้อ: ที่อยู่, สาขา (สำนักงานใหญ่หรือเลขที่สาขา)" in th[
        "TAX_INVOICE_BUYER_INCOMPLETE"]

    # a tax ID that fails its check digit (kept from before validation) is named too
    async with app.state.services.db.transaction() as session:
        await session.execute(update(Customer).where(Customer.id == customer.id).values(
            tax_id="0105559876543", address=BUYER_ADDRESS, branch="00000"))
    th = await refused(gql, token, mutation, {"i": str(invoice.id)}, lang="th")
    assert "เลขประจำตัวผู้เสียภาษี 13 หลัก" in th["TAX_INVOICE_BUYER_INCOMPLETE"]

    # a branch that is no branch code is named as missing too
    async with app.state.services.db.transaction() as session:
        await session.execute(update(Customer).where(Customer.id == customer.id).values(
            tax_id="0105559876541", branch="Bangkok"))
    en = await refused(gql, token, mutation, {"i": str(invoice.id)}, lang="en")
    assert "buyer's branch (head office or branch number)" in en["TAX_INVOICE_BUYER_INCOMPLETE"]
    assert "tax ID" not in en["TAX_INVOICE_BUYER_INCOMPLETE"]

    # nothing was numbered: once complete, the invoice takes the first number of the year
    async with app.state.services.db.transaction() as session:
        await session.execute(update(Customer).where(Customer.id == customer.id).values(branch="00000"))
    issued = await ok(gql, token, mutation, {"i": str(invoice.id)})
    assert issued["invoice"]["number"].endswith("-000001")
    text = " ".join(page_text(await pdf_of(app, garage, "invoice", invoice.id), tmp_path).split())
    assert BUYER_ADDRESS in text and "0105559876541" in text and "สำนักงานใหญ่" in text


async def test_walk_in_gets_an_abbreviated_tax_invoice_where_the_garage_allows_it(app, gql, garage, tmp_path):
    head, _branch = await thai_vat_garage(app, garage)
    walk_in, _ = await add_customer(app, garage, name="สมชาย ใจดี")
    full = await issue(app, garage, (await draft(app, garage, head, walk_in)).id)
    assert full.tax_invoice_form == "FULL"  # not allowed yet: a full tax invoice with the name as on file

    token = garage.token(Role.ADMIN)
    settings = await ok(gql, token, """mutation { updateGarageSettings(input: {abbreviatedTaxInvoices: true}) {
        garage { abbreviatedTaxInvoices } errors { field code message } } }""")
    assert settings["garage"]["abbreviatedTaxInvoices"] is True
    short = await issue(app, garage, (await draft(app, garage, head, walk_in)).id)
    assert short.tax_invoice_form == "ABBREVIATED"
    body = await gql(f'{{ invoice(id: "{short.id}") {{ taxInvoiceForm }} }}', token=garage.token(Role.BILLING))
    assert body["data"]["invoice"]["taxInvoiceForm"] == "ABBREVIATED"
    pdf = await pdf_of(app, garage, "invoice", short.id)
    assert_page_drawn_with(pdf, tmp_path, "ใบกำกับภาษีอย่างย่อ", short.number,
                           "ผู้ซื้อไม่มีเลขประจำตัวผู้เสียภาษี (ตามมาตรา 86/6 แห่งประมวลรัษฎากร)", "สำนักงานใหญ่")
    english = " ".join(page_text(await pdf_of(app, garage, "invoice", short.id, "en"), tmp_path).split())
    assert "Abbreviated tax invoice" in english and "Buyer without a tax ID" in english

    # a corporate buyer still gets (and needs) the full form
    company, _ = await add_customer(app, garage, **corporate())
    assert (await issue(app, garage, (await draft(app, garage, head, company)).id)).tax_invoice_form == "FULL"


async def test_a_branch_without_its_registered_address_cannot_issue_a_tax_invoice(app, garage):
    _head, branch = await thai_vat_garage(app, garage)
    async with app.state.services.db.transaction() as session:
        await session.execute(update(Site).where(Site.id == branch.id).values(address=None))
    customer, _ = await add_customer(app, garage, **corporate())
    invoice = await draft(app, garage, branch, customer)
    try:
        await issue(app, garage, invoice.id)
        raise AssertionError("issued without the branch's address")
    except DomainError as exc:
        assert exc.code.value == "TAX_INVOICE_SELLER_INCOMPLETE"
        assert "ที่อยู่" in exc.message("th") and "address" in exc.message("en")


# ------------------------------------------------------------------------------------------- tax IDs, branches


SITE = "site { name branchCode address }"


async def test_site_branch_codes_over_the_api(gql, garage):
    token = garage.token(Role.ADMIN)
    created = await ok(gql, token, f"""mutation {{ createSite(input: {{name: "บางนา", branchCode: "00001",
        address: "{BRANCH_ADDRESS}"}}) {{ {SITE} {ERRORS} }} }}""")
    assert created["site"]["branchCode"] == "00001"
    plain = await ok(gql, token, f'mutation {{ createSite(input: {{name: "พระราม 9"}}) {{ {SITE} {ERRORS} }} }}')
    assert plain["site"]["branchCode"] == "00000"  # head office unless told otherwise
    for bad in ("1", "0001A", "000001", "สาขา 1"):
        en = await refused(gql, token, f'mutation {{ createSite(input: {{name: "X", branchCode: "{bad}"}}) '
                                       f'{{ {SITE} {ERRORS} }} }}')
        assert en == {"INVALID_BRANCH_CODE":
                      "Enter 00000 for the head office or the 5-digit branch number, such as 00001."}, bad
    body = await gql("{ sites { id name branchCode } }", token=token)
    site_id = next(s["id"] for s in body["data"]["sites"] if s["name"] == "พระราม 9")
    th = await refused(gql, token, f'mutation {{ updateSite(input: {{id: "{site_id}", branchCode: "12"}}) '
                                   f'{{ {SITE} {ERRORS} }} }}', lang="th")
    assert th == {"INVALID_BRANCH_CODE": "ใส่ 00000 สำหรับสำนักงานใหญ่ หรือเลขที่สาขา 5 หลัก เช่น 00001"}
    moved = await ok(gql, token, f'mutation {{ updateSite(input: {{id: "{site_id}", branchCode: "00002"}}) '
                                 f'{{ {SITE} {ERRORS} }} }}')
    assert moved["site"]["branchCode"] == "00002"
    head = await ok(gql, token, f'mutation {{ updateSite(input: {{id: "{site_id}", branchCode: "สำนักงานใหญ่"}}) '
                                f'{{ {SITE} {ERRORS} }} }}')
    assert head["site"]["branchCode"] == "00000"
    body = await gql("{ sites { name branchCode } }", token=token)
    assert {s["name"]: s["branchCode"] for s in body["data"]["sites"]} == {"บางนา": "00001", "พระราม 9": "00000"}


async def test_tax_ids_are_checked_with_their_check_digit(gql, garage):
    token = garage.token(Role.ADMIN)
    customer = "customer { taxId } errors { field code message }"
    bad = await refused(gql, token, f'mutation {{ createCustomer(input: {{name: "บริษัท ก จำกัด", '
                                    f'taxId: "0105559876543"}}) {{ {customer} }} }}')
    assert bad == {"INVALID_TAX_ID":
                   "This tax ID is not valid: a Thai tax ID has 13 digits and the last one is a check digit."}
    th = await refused(gql, token, f'mutation {{ createCustomer(input: {{name: "บริษัท ก จำกัด", '
                                   f'taxId: "0105559876543"}}) {{ {customer} }} }}', lang="th")
    assert th == {"INVALID_TAX_ID": "เลขประจำตัวผู้เสียภาษีไม่ถูกต้อง เลขประจำตัวผู้เสียภาษีมี 13 หลัก และหลักสุดท้ายเป็นเลขตรวจสอบ"}
    good = await ok(gql, token, f'mutation {{ createCustomer(input: {{name: "บริษัท ก จำกัด", '
                                f'taxId: "0-1055-59876-54-1"}}) {{ {customer} }} }}')
    assert good["customer"]["taxId"] == "0105559876541"
    person = await ok(gql, token, f'mutation {{ createCustomer(input: {{name: "สมชาย", taxId: "1234567890121"}}) '
                                  f'{{ {customer} }} }}')  # a personal ID card number
    assert person["customer"]["taxId"] == "1234567890121"
    gstin = await ok(gql, token, f'mutation {{ createCustomer(input: {{name: "Chennai Fleet", '
                                 f'taxId: "33ABCDE1234F1Z5"}}) {{ {customer} }} }}')  # other countries unchanged
    assert gstin["customer"]["taxId"] == "33ABCDE1234F1Z5"

    garage_fields = "garage { taxId } errors { field code message }"
    th = await refused(gql, token, f'mutation {{ updateGarageSettings(input: {{taxId: "0105561234567"}}) '
                                   f'{{ {garage_fields} }} }}', lang="th")
    assert list(th) == ["INVALID_TAX_ID"] and "หลักสุดท้ายเป็นเลขตรวจสอบ" in th["INVALID_TAX_ID"]
    body = await gql("{ garage { taxId } }", token=token)
    assert body["data"]["garage"]["taxId"] is None  # nothing changed
    saved = await ok(gql, token, f'mutation {{ updateGarageSettings(input: {{taxId: "{GARAGE_TAX_ID}"}}) '
                                 f'{{ {garage_fields} }} }}')
    assert saved["garage"]["taxId"] == GARAGE_TAX_ID
