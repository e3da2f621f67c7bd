"""The demo garage as a Thai accountant would check it: Rama 9 is the head office and Bang Na branch 00001, every
tax ID passes its check digit, the corporate invoice (INV-YYYY-000002) went out as a full tax invoice with the
buyer's address, walk-ins get abbreviated tax invoices, and the open invoices carry a PromptPay QR."""

from __future__ import annotations

import io

import pypdf
from sqlalchemy import select
from stdnum.th import tin

from backend.accounts.models import Garage
from backend.billing.documents.render import render_pdf
from backend.billing.documents.views import document_view
from backend.billing.models import Invoice
from backend.customers.models import Customer
from backend.demo import DEMO_PASSWORD, seed_demo

async def test_demo_thai_tax_documents(app, gql, database_url):
    await seed_demo(database_url)
    login = await gql('mutation($p: String!) { login(input: {email: "billing@demo.test", password: $p}) '
                      '{ accessToken } }', {"p": DEMO_PASSWORD})
    token = login["data"]["login"]["accessToken"]
    body = await gql("""{ sites { name branchCode address } }""", token=token)
    sites = {s["name"]: s for s in body["data"]["sites"]}
    assert sites["Rama 9 Service Centre"]["branchCode"] == "00000"
    assert sites["Bang Na Body Shop"]["branchCode"] == "00001" and sites["Bang Na Body Shop"]["address"]

    db = app.state.services.db
    async with db.read() as session:
        garage = (await session.execute(select(Garage).where(Garage.name == "Demo Garage"))).scalars().first()
        assert tin.is_valid(garage.tax_id) and garage.promptpay_id
        customers = (await session.execute(select(Customer).where(Customer.garage_id == garage.id))).scalars().all()
        assert [c.tax_id for c in customers if c.tax_id] and all(tin.is_valid(c.tax_id) for c in customers if c.tax_id)
        invoices = {i.number: i for i in (await session.execute(
            select(Invoice).where(Invoice.garage_id == garage.id, Invoice.number.is_not(None)))).scalars()}
        corporate = next(i for n, i in invoices.items() if n.endswith("-000002"))
        assert corporate.buyer_tax_id and corporate.buyer_address and corporate.buyer_branch
        assert corporate.tax_invoice_form == "FULL" and corporate.seller_branch == "00000"
        walk_in = next(i for n, i in invoices.items() if n.endswith("-000001"))
        assert walk_in.buyer_tax_id is None and walk_in.tax_invoice_form == "ABBREVIATED"
        view = await document_view(session, "invoice", garage.id, corporate.id)
    text = "".join("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(view))).pages).split())
    for field in (corporate.buyer_name, corporate.buyer_address, corporate.buyer_tax_id, "สำนักงานใหญ่",
                  "ชำระด้วยพร้อมเพย์"):
        assert "".join(field.split()) in text, field
    assert view.promptpay is not None and view.promptpay.amount == corporate.balance_due > 0
