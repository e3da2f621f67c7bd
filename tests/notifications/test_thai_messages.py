"""Messages to customers a Thai reader accepts as right, and their English twins: the salutation by kind of customer,
a neutral closing (no ค่ะ/ครับ), money and kilometres written as a Thai text writes them, previews filled with
samples in the previewed language and the garage's own name, every Thai SMS within two parts with its short link,
and the short link itself (redirect, expiry, the same code for the same link)."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from sqlalchemy import select, update

from backend.accounts.models import Garage
from backend.notifications.messages import company_name, first_name, km, money, salutation
from backend.notifications.models import Channel, ShortLink
from backend.notifications.shortlinks import resolve, shorten
from backend.notifications.template_editor import editable, sample_context, variables
from backend.notifications.templates import render_file
from tests.conftest import make_settings

CUSTOMER_EVENTS = sorted({e for e, c in editable() if c in (Channel.EMAIL, Channel.SMS)})


@pytest.mark.parametrize("locale,name,company,text", [
    ("th", "สมชาย ใจดี", False, "เรียน คุณสมชาย"),
    ("th", "นายสมชาย ใจดี", False, "เรียน คุณสมชาย"),  # the title is not the name
    ("th", "นางสาว สมศรี มีสุข", False, "เรียน คุณสมศรี"),
    ("th", "สยามมอเตอร์ จำกัด", True, "เรียน บริษัท สยามมอเตอร์ จำกัด"),
    ("th", "บริษัท สยามมอเตอร์ จำกัด", True, "เรียน บริษัท สยามมอเตอร์ จำกัด"),  # not บริษัท บริษัท
    ("th", "ห้างหุ้นส่วนจำกัด ช่างเอก", True, "เรียน ห้างหุ้นส่วนจำกัด ช่างเอก"),
    ("en", "Somchai Jaidee", False, "Dear Somchai,"),
    ("en", "Mr John Smith", False, "Dear John,"),
    ("en", "Drew Barry", False, "Dear Drew,"),  # "Dr" only as a word
    ("en", "Siam Motor Co., Ltd.", True, "Dear Siam Motor Co., Ltd.,"),
    ("en", "", False, "Dear customer,"),
    ("th", None, True, "เรียน ลูกค้าผู้มีอุปการคุณ"),
])
def test_salutation_by_kind_of_customer(locale, name, company, text):
    assert salutation(locale, name, company) == text


def test_names():
    assert first_name("Mrs. Ann Lee") == "Ann" and first_name("คุณ สมหญิง") == "สมหญิง"
    assert company_name("Siam Motor", "en") == "Siam Motor" and company_name("สยามมอเตอร์", "th") == "บริษัท สยามมอเตอร์"


@pytest.mark.parametrize("amount,currency,locale,text", [
    (160500, "THB", "th", "1,605.00 บาท"),
    (160500, "THB", "en", "THB 1,605.00"),
    (100000050, "THB", "th", "1,000,000.50 บาท"),
    (5, "THB", "th", "0.05 บาท"),
    (1200, "GBP", "en", "£12.00"),
    (1200, "JPY", "th", "1,200 JPY"),
])
def test_money_in_a_message(amount, currency, locale, text):
    assert money(amount, currency, locale) == text


def test_kilometres_are_grouped():
    assert km(60000, "th") == "60,000 กม." and km(60000, "en") == "60,000 km" and km(1234567, "en") == "1,234,567 km"
    context = sample_context("reminder_service", "th")
    assert "หรือเมื่อถึง 60,000 กม." in render_file("reminder_service", Channel.EMAIL, "th", context).text
    context = sample_context("reminder_service", "en")
    assert "Or at 60,000 km, whichever comes first." in render_file("reminder_service", Channel.EMAIL, "en",
                                                                     context).text


@pytest.mark.parametrize("event", CUSTOMER_EVENTS)
def test_thai_messages_close_in_a_neutral_register(event):
    """No ค่ะ/ครับ, which fix the writer's gender, in any Thai mail or SMS; a mail opens with เรียน and closes with
    ขอแสดงความนับถือ."""
    context = sample_context(event, "th")
    for channel in (Channel.EMAIL, Channel.SMS):
        if (event, channel) not in editable():
            continue
        rendered = render_file(event, channel, "th", context)
        words = " ".join(filter(None, (rendered.subject, rendered.text, rendered.html)))
        assert "ค่ะ" not in words and "ครับ" not in words, words
        if channel == Channel.EMAIL:
            assert rendered.text.startswith("เรียน ") and "\nขอแสดงความนับถือ\n" in rendered.text


# ------------------------------------------------------------------------------------------------ previews

PREVIEW = """query($input: PreviewNotificationTemplateInput!) { previewNotificationTemplate(input: $input) {
  subject body } }"""
TEMPLATES = "{ notificationTemplates { event channel locale variables } }"
_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|\bNone\b|\bUndefined\b")


async def test_every_preview_fills_every_variable_in_its_language_with_the_garages_name(gql, db, garage,
                                                                                      thai_garage):
    async with db.transaction() as s:
        await s.execute(update(Garage).where(Garage.id == garage.id).values(name="Smith & Sons Motors"))
    names = {garage.id: "Smith & Sons Motors", thai_garage.id: "อู่ช่างเอก บางนา"}
    seen = 0
    for world in (garage, thai_garage):
        templates = (await gql(TEMPLATES, token=world.token()))["data"]["notificationTemplates"]
        for t in templates:
            if t["channel"] == "PUSH":
                continue
            body = await gql(PREVIEW, {"input": {"event": t["event"], "channel": t["channel"],
                                                 "locale": t["locale"]}}, token=world.token())
            preview = body["data"]["previewNotificationTemplate"]
            words = (preview["subject"] or "") + "\n" + preview["body"]
            assert not _LEFTOVER.search(words), (t, words)
            assert names[world.id] in words, (t, words)  # the garage's own name, not a sample's
            assert "MotoTrack Garage" not in words and "อู่ตัวอย่าง" not in words
            if t["locale"] == "TH":
                assert "John" not in words and "THB" not in words, words  # Thai samples, not English ones
            else:
                english = words.replace(names[world.id], "").replace("ตรอ.", "").replace("พ.ร.บ.", "")
                assert not re.search("[\u0e00-\u0e7f]", english), words  # English samples
            # every variable the template uses has a value: none renders empty
            context = sample_context(t["event"], t["locale"].lower(), names[world.id])
            assert all(context[v] not in ("", None) for v in t["variables"]), t
            seen += 1
    assert seen >= 20


# ------------------------------------------------------------------------------------------------ SMS length

GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
           "abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXT = set("^{}\\[~]|€")


def segments(text: str) -> int:
    """SMS parts: GSM-7 160 alone / 153 a part (extension characters count twice); else UCS-2 70 / 67, counted in
    UTF-16 units."""
    if all(c in GSM7 or c in GSM7_EXT for c in text):
        septets = sum(2 if c in GSM7_EXT else 1 for c in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def test_the_segment_counter():
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("€" * 80) == 1
    assert segments("ก" * 70) == 1 and segments("ก" * 71) == 2 and segments("ก" * 134) == 2
    assert segments("ก" * 135) == 3


LONG = {  # realistic long values: a garage's full name, a plate with its province, the widest dates and amounts
    "garage_name": "อู่ช่างเอกการาจ บางนา", "registration": "1กข 1234 กรุงเทพฯ", "due_date": "2026-12-31",
    "total": "128,450.00 บาท", "customer_name": "นางสาวสมศรี มีสุขสวัสดิ์", "quote_number": "QT-2026-012345",
    "invoice_number": "INV-2026-012345", "job_number": "JC-2026-012345",
    # a short link as the garage's host gives it: https://<host>/s/<8 characters>
    "url": "https://service.chang-ek.co.th/s/Ab3dE9xQ", "unsubscribe_url": "https://service.chang-ek.co.th/s/Zy8Wv7uT",
    # the portal link: its 22-character token in the fragment (backend/portal/tokens.py), never shortened
    "portal_url": "https://service.chang-ek.co.th/p/#Ab3dE9xQZy8Wv7uTAb3dE9",
}


@pytest.mark.parametrize("event", sorted(e for e, c in editable() if c == Channel.SMS))
@pytest.mark.parametrize("locale", ["th", "en"])
def test_every_sms_stays_within_two_parts(event, locale):
    context = {**sample_context(event, locale), **LONG}
    if locale == "en":
        context.update(garage_name="Chang Ek Garage Bang Na", registration="AB12 CDE", total="THB 128,450.00",
                       customer_name="Somsri Meesuksawat")
    text = render_file(event, Channel.SMS, locale, context).text
    assert context["garage_name"] in text
    assert segments(text) <= 2, (len(text), text)


async def test_a_thai_sms_sent_carries_a_short_link_and_fits_two_parts(app, db, thai_garage, tmp_path):
    """Through the scan and the provider: the link in the text is /s/<code> on the garage's host."""
    from tests.notifications.test_thai_reminders import _deliver, _fleet
    from backend.notifications.reminders.scan import garage_today, scan_all

    today = garage_today("Asia/Bangkok")
    await _fleet(db, thai_garage, today)
    await scan_all(db, today)
    sent = await _deliver(app, db, tmp_path)
    sms = [body for (_reg, _event), (subject, body) in sent.items() if subject is None]
    assert len(sms) == 6
    for text in sms:
        link = text.rsplit(" ", 1)[1]
        assert re.fullmatch(r"https://service\.chang-ek\.co\.th/s/[A-Za-z0-9]{8}", link), text
        assert segments(text) <= 2, text


# ------------------------------------------------------------------------------------------------ short links


async def test_a_short_link_redirects_until_its_target_expires(app, client, db, garage):
    settings = make_settings(app.state.services.settings.database_url, public_url="https://garage.example")
    soon = int((dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).timestamp())
    target = f"https://garage.example/documents/quote/x.pdf?exp={soon}&sig=abc"
    async with db.transaction() as s:
        short = await shorten(s, settings, garage.id, target)
        again = await shorten(s, settings, garage.id, target)
        forever = await shorten(s, settings, garage.id, "https://garage.example/unsubscribe?c=1&s=2")
    assert short == again and short != forever  # the same link, the same code (a retry makes no new one)
    code = short.rsplit("/", 1)[1]
    response = await client.get(f"/s/{code}")
    assert response.status_code == 302 and response.headers["location"] == target
    async with db.read() as s:
        row = await s.get(ShortLink, code)
        assert row.expires_at == dt.datetime.fromtimestamp(soon, dt.UTC)  # the signed link's own expiry
        assert (await resolve(s, forever.rsplit("/", 1)[1], now=dt.datetime(2100, 1, 1, tzinfo=dt.UTC)))[0]
        assert await resolve(s, code, now=dt.datetime.fromtimestamp(soon + 1, dt.UTC)) == (None, True)
    async with db.transaction() as s:
        await s.execute(update(ShortLink).where(ShortLink.code == code).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    gone = await client.get(f"/s/{code}", headers={"Accept-Language": "th"})
    assert gone.status_code == 410 and "ลิงก์นี้หมดอายุแล้ว" in gone.text
    unknown = await client.get("/s/NoSuchCd", headers={"Accept-Language": "en"})
    assert unknown.status_code == 404 and "This link is not valid." in unknown.text
    assert (await client.get("/s/bad%20code")).status_code == 404
    async with db.read() as s:
        assert len((await s.execute(select(ShortLink))).scalars().all()) == 2
