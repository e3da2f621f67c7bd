"""Billing tells the customer: a sent quote asks for approval by SMS or mail (with a link to the quote's PDF in their
language), an issued invoice arrives by mail with its PDF attached, rendered in their language."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlparse

import pypdf
import pytest
from sqlalchemy import select, update

from backend.core.enums import Locale
from backend.core.permissions import Role
from backend.customers.models import ContactChannel, Customer
from backend.notifications.models import Channel, Notification, NotificationStatus
from tests.billing.helpers import ERRORS, job_in_billing, job_in_progress, ok, workshop
from tests.notifications.test_delivery import drain, http, settings_for, smtp  # noqa: F401 - fixtures

S = NotificationStatus

CREATE_QUOTE = f"""mutation($j: ID!, $a: ID!) {{ createQuote(input: {{jobId: $j, lines: [
  {{kind: LABOUR, taskActionId: $a}},
  {{kind: LABOUR, description: "Replace rear brake pads", unitPrice: 80000, billedHours: "1.25"}}]}})
  {{ quote {{ id number total }} {ERRORS} }} }}"""
SEND_QUOTE = f"mutation($q: ID!) {{ sendQuote(input: {{id: $q}}) {{ quote {{ status }} {ERRORS} }} }}"
FROM_JOB = f"mutation($j: ID!) {{ createInvoiceFromJob(input: {{jobId: $j}}) {{ invoice {{ id }} {ERRORS} }} }}"
ISSUE = f"mutation($i: ID!) {{ issueInvoice(input: {{id: $i}}) {{ invoice {{ id number total }} {ERRORS} }} }}"


async def set_contact(db, customer_id, *, channel: ContactChannel, locale: Locale | None, email="ann@example.com",
                      phone="+66812345678", consent=True) -> None:
    async with db.transaction() as session:
        await session.execute(update(Customer).where(Customer.id == customer_id).values(
            contact_channel=channel, locale=locale, email=email, phone=phone, consent_email=consent,
            consent_sms=consent, name="Ann Smith"))


async def rows(db, customer_id, event=None):
    query = select(Notification).where(Notification.customer_id == customer_id)
    if event is not None:
        query = query.where(Notification.event == event)
    async with db.read() as session:
        return list((await session.execute(query.order_by(Notification.created_at))).scalars())


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


async def sent_quote(gql, db, garage, w):
    job = await job_in_progress(db, garage, w)
    token = garage.token(Role.SITE_MANAGER)
    quote = (await ok(gql, token, CREATE_QUOTE, {"j": str(job.id), "a": str(w.action.id)}))["quote"]
    await ok(gql, token, SEND_QUOTE, {"q": quote["id"]})
    return quote


async def follow(client, link: str) -> bytes:
    parsed = urlparse(link)
    assert f"{parsed.scheme}://{parsed.netloc}" == "http://testserver"  # settings' public URL
    response = await client.get(f"{parsed.path}?{parsed.query}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    return response.content


@pytest.mark.parametrize("locale", [Locale.EN, Locale.TH])
async def test_a_sent_quote_reaches_the_customer_by_sms_with_a_link_to_the_quote(app, client, db, gql, garage, http,
                                                                                 locale):
    w = await workshop(db, garage)
    await set_contact(db, w.customer.id, channel=ContactChannel.SMS, locale=locale)
    quote = await sent_quote(gql, db, garage, w)
    await drain(app, settings_for(app, sms_provider="webhook", sms_url=f"{http.base}/sms"))

    [row] = await rows(db, w.customer.id, "quote_to_approve")
    [request] = [r for r in http.requests if json.loads(r["body"])["reference"] == str(row.id)]
    payload = json.loads(request["body"])
    assert payload["to"] == "+66812345678" and row.status == S.SENT and row.channel == Channel.SMS
    reg = w.vehicle.registration
    assert quote["total"] == 139100  # 500.00 + 800.00 labour, VAT 7 %
    # the customer's portal link (two Thai SMS parts at most): the token in the fragment, opening this quote
    head = (f"Garage One: quote for {reg}, THB 1,391.00, to approve: "
            if locale == Locale.EN else f"Garage One: ใบเสนอราคา {reg} 1,391.00 บาท รออนุมัติ ")
    assert payload["text"].startswith(head)
    link = urlparse(payload["text"][len(head):])
    assert (link.scheme, link.netloc, link.path, len(link.fragment)) == ("http", "testserver", "/p/", 22)
    body = (await client.post("/portal/graphql", json={"query": "{ portal { locale quotes { id number } } }"},
                              headers={"Authorization": f"Portal {link.fragment}"})).json()
    assert body["data"]["portal"] == {"locale": locale.value, "quotes": [{"id": quote["id"],
                                                                          "number": quote["number"]}]}
    assert link.fragment not in row.body  # the stored copy keeps no token


@pytest.mark.parametrize("locale", [Locale.EN, Locale.TH])
async def test_a_sent_quote_reaches_the_customer_by_mail(app, client, db, gql, garage, smtp, locale):
    w = await workshop(db, garage)
    await set_contact(db, w.customer.id, channel=ContactChannel.EMAIL, locale=locale)
    quote = await sent_quote(gql, db, garage, w)
    await drain(app, settings_for(app, smtp_host="127.0.0.1", smtp_port=smtp.port))
    smtp.wait_for(1)
    [row] = await rows(db, w.customer.id, "quote_to_approve")
    [mail] = [m for m in smtp.messages if m["Message-ID"] == f"<{row.id}@mototrack.test>"]
    reg = w.vehicle.registration
    assert mail["To"] == "ann@example.com"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    if locale == Locale.EN:  # the portal to decide line by line, and the quote's PDF
        assert mail["Subject"] == f"Quote {quote['number']} for {reg}: your approval is needed"
        assert text.startswith(f"Dear Ann,\n\nWe have prepared quote {quote['number']} for {reg}, total "
                               "THB 1,391.00.\nPlease review it and approve or decline each item here: http://testserver"
                               "/p/#")
        assert f"\nThe quote as a PDF: http://testserver/documents/quote/{quote['id']}.pdf?" in text
    else:
        assert mail["Subject"] == f"ใบเสนอราคา {quote['number']} สำหรับรถทะเบียน {reg} รอการอนุมัติจากท่าน"
        assert (f"ทางร้านได้จัดทำใบเสนอราคา {quote['number']} สำหรับรถทะเบียน {reg} ยอดรวม 1,391.00 บาท\n"
                "กรุณาตรวจสอบและอนุมัติหรือปฏิเสธแต่ละรายการได้ที่: http://testserver/p/#") in text
        assert "\nใบเสนอราคาแบบ PDF: http://testserver/documents/quote/" in text
    link = next(word for word in text.split() if "/documents/quote/" in word)
    assert quote["number"] in pdf_text(await follow(client, link))
    assert not mail.get_content_maintype() == "multipart" or not list(mail.iter_attachments())


@pytest.mark.parametrize("locale", [Locale.EN, Locale.TH])
async def test_an_issued_invoice_is_mailed_with_its_pdf_attached(app, db, gql, garage, smtp, locale):
    w = await workshop(db, garage)
    # the customer prefers SMS, but an invoice goes by mail when they have an address and said yes to mail
    await set_contact(db, w.customer.id, channel=ContactChannel.SMS, locale=locale)
    job = await job_in_billing(db, garage, w)
    billing = garage.token(Role.BILLING)
    created = (await ok(gql, billing, FROM_JOB, {"j": str(job.id)}))["invoice"]
    assert await rows(db, w.customer.id, "invoice_issued") == []  # a draft tells nobody
    invoice = (await ok(gql, billing, ISSUE, {"i": created["id"]}))["invoice"]
    await drain(app, settings_for(app, smtp_host="127.0.0.1", smtp_port=smtp.port))
    smtp.wait_for(1)
    [mail] = smtp.messages  # the job-ready SMS went to the SMS provider (not configured here: it failed)
    [row] = await rows(db, w.customer.id, "invoice_issued")
    assert row.status == S.SENT and row.channel == Channel.EMAIL and mail["To"] == "ann@example.com"
    number = invoice["number"]
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    if locale == Locale.EN:
        assert mail["Subject"] == f"Invoice {number} from Garage One"
        assert f"Please find invoice {number}, total THB 3,103.00, attached." in text
    else:
        assert mail["Subject"] == f"ใบแจ้งหนี้ {number} จาก Garage One"
        assert f"ทางร้านได้แนบใบแจ้งหนี้ {number} ยอดรวม 3,103.00 บาท มาพร้อมนี้" in text
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{number}.pdf"
    content = attachment.get_content()
    assert content.startswith(b"%PDF")
    printed = pdf_text(content)
    assert number in printed and "Ann Smith" in printed and "3,103.00" in printed
    assert ("ใบกำกับภาษี" in printed or "ใบแจ้งหนี้" in printed) == (locale == Locale.TH)


async def test_no_invoice_mail_without_consent_or_address(app, db, gql, garage, smtp):
    w = await workshop(db, garage)
    await set_contact(db, w.customer.id, channel=ContactChannel.EMAIL, locale=Locale.EN, consent=False)
    job = await job_in_billing(db, garage, w)
    billing = garage.token(Role.BILLING)
    created = (await ok(gql, billing, FROM_JOB, {"j": str(job.id)}))["invoice"]
    await ok(gql, billing, ISSUE, {"i": created["id"]})
    await drain(app, settings_for(app, smtp_host="127.0.0.1", smtp_port=smtp.port))
    assert await rows(db, w.customer.id, "invoice_issued") == [] and smtp.messages == []
