"""The words and figures of a message to a customer, in its language: the salutation by kind of customer, money
("1,605.00 บาท" / "THB 1,605.00"), grouped numbers and kilometres ("60,000 กม." / "60,000 km").

Thai mail opens with เรียน and closes with ขอแสดงความนับถือ, the neutral register of a letter: no ค่ะ/ครับ, which would
fix the writer's gender (tests/notifications/test_thai_messages.py reads every Thai template for them).
"""

from __future__ import annotations

import datetime as dt

import jinja2
from babel.numbers import format_decimal

from backend.core.i18n import N_, translate
from backend.core.money import format_money, minor_exponent, to_major

PERSON = N_("Dear %(first_name)s,")
COMPANY = N_("Dear %(company)s,")
NO_NAME = N_("Dear customer,")
# a Thai organisation's name already says what it is (บริษัท … จำกัด, ห้างหุ้นส่วนจำกัด …, หจก. …)
_THAI_ORGANISATIONS = ("บริษัท", "บจก", "บมจ", "ห้างหุ้นส่วน", "หจก", "ห้าง", "ร้าน", "สำนักงาน", "มูลนิธิ",
                       "สมาคม", "สหกรณ์", "โรงเรียน", "โรงพยาบาล", "มหาวิทยาลัย", "กรม", "การ")
_THAI_TITLES = ("นางสาว", "น.ส.", "นาย", "นาง", "คุณ", "ดร.")  # written joined to the name or apart
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "sir", "khun"}  # whole words, with or without a dot


def first_name(name: str) -> str:
    """The given name a person is addressed by: 'นายสมชาย ใจดี' -> 'สมชาย', 'Mr John Smith' -> 'John'."""
    words = name.split()
    while words:
        word = words[0]
        if word.lower().rstrip(".") in _TITLES and len(words) > 1:
            words = words[1:]
            continue
        for title in _THAI_TITLES:
            if word.startswith(title):
                word = word[len(title):]
                break
        if word:
            return word
        words = words[1:]
    return name.strip()


def company_name(name: str, locale: str) -> str:
    """A company as a Thai letter addresses it: 'สยามมอเตอร์ จำกัด' -> 'บริษัท สยามมอเตอร์ จำกัด'; a name that already
    says its legal form, or any name in English, stays as it is."""
    name = " ".join(name.split())
    if locale != "th" or name.startswith(_THAI_ORGANISATIONS):
        return name
    return f"บริษัท {name}"


def salutation(locale: str, name: str | None, company: bool) -> str:
    """'เรียน คุณสมชาย' / 'Dear Somchai,' for a person, 'เรียน บริษัท สยามมอเตอร์ จำกัด' / 'Dear Siam Motor Co., Ltd.,'
    for a company."""
    if not name or not name.strip():
        return translate(locale, NO_NAME)
    if company:
        return translate(locale, COMPANY) % {"company": company_name(name, locale)}
    return translate(locale, PERSON) % {"first_name": first_name(name)}


def number(value: object, locale: str = "en") -> str:
    """A whole number grouped by thousands: 60000 -> '60,000' (a value that is not a number is shown as it is)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    return format_decimal(value, locale="th_TH" if locale == "th" else "en_US")


def km(value: object, locale: str = "en") -> str:
    """'60,000 กม.' / '60,000 km'."""
    return f"{number(value, locale)} {'กม.' if locale == 'th' else 'km'}"


def money(amount: int, currency: str, locale: str = "en") -> str:
    """Minor units in a message: '1,605.00 บาท' in Thai (baht written out, as a Thai reader expects it in text),
    'THB 1,605.00' in English (the code set off by a space; '£12.00' where the currency has a symbol)."""
    currency = currency.upper()
    if locale == "th":
        digits = minor_exponent(currency)
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        figure = format_decimal(to_major(amount, currency), format=pattern, locale="th_TH")
        return f"{figure} บาท" if currency == "THB" else f"{figure} {currency}"
    text = format_money(amount, currency, "en").replace("\xa0", " ")
    if text.startswith(currency) and not text.startswith(currency + " "):
        text = f"{currency} {text[len(currency):]}"
    return text


def short_date(value: object, locale: str = "en") -> str:
    """An ISO date as an SMS writes it: '10 มิ.ย. 69' (Buddhist era 2569) / '10 Jun 2026'."""
    from babel.dates import format_date

    from backend.core.i18n import buddhist_year

    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        return "" if value is None else str(value)
    if locale == "th":  # the Buddhist-era year in two digits, as Thai SMS write it
        return f"{format_date(day, 'd MMM', locale='th')} {buddhist_year(day) % 100:02d}"
    return format_date(day, "d MMM y", locale="en")


def _placeholder(value: object, name: str) -> str | None:
    """The template editor's default text shows each variable as '{{ name }}': a filtered one keeps its filter, so
    the default stays a valid override that formats like the file template."""
    if isinstance(value, str) and value.startswith("{{ ") and value.endswith(" }}"):
        return f"{value[:-3]}|{name} }}}}"
    return None


@jinja2.pass_context
def _number_filter(context, value):
    return _placeholder(value, "number") or number(value, context.get("locale") or "en")


@jinja2.pass_context
def _short_date_filter(context, value):
    return _placeholder(value, "short_date") or short_date(value, context.get("locale") or "en")


# the filters every message template may use, file templates and garages' own alike
FILTERS = {"number": _number_filter, "short_date": _short_date_filter}
