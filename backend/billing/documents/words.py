"""Amounts in words, as printed on invoices and receipts: Thai baht text and English words for a currency.

Input is always an integer amount in minor units plus an ISO 4217 currency code:

    thai_amount_in_words(420000, "THB")      -> "สี่พันสองร้อยบาทถ้วน"
    english_amount_in_words(420025, "THB")   -> "Four thousand two hundred baht and twenty-five satang"

Thai rules: สิบ (not หนึ่งสิบ) for a tens digit 1, ยี่สิบ for 2; a units 1 reads เอ็ด whenever the number it
ends has any higher digit, in its own six-digit group or above it (สิบเอ็ด, หนึ่งร้อยเอ็ด, หนึ่งล้านเอ็ด,
ยี่สิบเอ็ดล้าน, หนึ่งล้านเอ็ดล้าน), and หนึ่ง only when it stands alone (หนึ่งบาท, หนึ่งล้าน, หนึ่งสตางค์);
ล้าน repeats for every six digits (หนึ่งล้านล้าน = 10^12). Satang are a number of their own: 1.01 baht is
หนึ่งบาทหนึ่งสตางค์.
"""

from __future__ import annotations

# Currencies whose minor unit is not a hundredth.
_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0,
              "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3}


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def split_minor(amount_minor: int, currency: str) -> tuple[int, int, int]:
    """(sign, major, minor) of an amount in minor units; sign is -1 or 1."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise TypeError("amounts are integers in minor units")
    sign = -1 if amount_minor < 0 else 1
    major, minor = divmod(abs(amount_minor), 10 ** currency_exponent(currency))
    return sign, major, minor


# --- Thai -------------------------------------------------------------------------------------------------------

_TH_DIGITS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_TH_PLACES = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")


def _thai_group(n: int, after_higher: bool = False) -> str:
    """Words for 1..999,999 (one group under ล้าน); `after_higher`: digits above this group are not all zero."""
    digits = [int(c) for c in reversed(str(n))]
    out: list[str] = []
    for place in range(len(digits) - 1, -1, -1):
        d = digits[place]
        if d == 0:
            continue
        if place == 1:
            out.append(("" if d == 1 else "ยี่" if d == 2 else _TH_DIGITS[d]) + "สิบ")
        elif place == 0:
            has_higher = after_higher or any(digits[1:])
            out.append("เอ็ด" if d == 1 and has_higher else _TH_DIGITS[d])
        else:
            out.append(_TH_DIGITS[d] + _TH_PLACES[place])
    return "".join(out)


def thai_number(n: int) -> str:
    """Thai words for a non-negative integer."""
    if n < 0:
        return "ลบ" + thai_number(-n)
    if n == 0:
        return _TH_DIGITS[0]
    if n < 1_000_000:
        return _thai_group(n)
    high, low = divmod(n, 1_000_000)
    return thai_number(high) + "ล้าน" + (_thai_group(low, after_higher=True) if low else "")


_TH_CURRENCIES = {"THB": ("บาท", "สตางค์")}


def thai_amount_in_words(amount_minor: int, currency: str = "THB") -> str:
    """บาทถ้วน text for THB; for another currency, Thai numerals read with the currency's code."""
    sign, major, minor = split_minor(amount_minor, currency)
    prefix = "ลบ" if sign < 0 else ""
    names = _TH_CURRENCIES.get(currency.upper())
    if names is None:
        code = currency.upper()
        text = f"{thai_number(major)} {code}"
        if minor:
            text += f" {minor:0{currency_exponent(currency)}d}/{10 ** currency_exponent(currency)}"
        return prefix + text
    major_name, minor_name = names
    if major == 0 and minor == 0:
        return _TH_DIGITS[0] + major_name + "ถ้วน"
    text = thai_number(major) + major_name if major else ""
    text += thai_number(minor) + minor_name if minor else "ถ้วน"
    return prefix + text


# --- English ----------------------------------------------------------------------------------------------------

_EN_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = ("", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion", "sextillion")


def _english_below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts: list[str] = []
    if hundreds:
        parts.append(f"{_EN_ONES[hundreds]} hundred")
    if rest:
        if rest < 20:
            parts.append(_EN_ONES[rest])
        else:
            tens, ones = divmod(rest, 10)
            parts.append(_EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else ""))
    return " ".join(parts)


def english_number(n: int) -> str:
    """Short-scale English words for a non-negative integer ("one hundred one", no "and" inside numbers)."""
    if n < 0:
        return "minus " + english_number(-n)
    if n == 0:
        return _EN_ONES[0]
    groups: list[str] = []
    scale = 0
    while n:
        n, group = divmod(n, 1000)
        if group:
            if scale >= len(_EN_SCALES):
                raise ValueError("number too large to write in words")
            groups.append(_english_below_thousand(group) + (f" {_EN_SCALES[scale]}" if scale else ""))
        scale += 1
    return " ".join(reversed(groups))


def indian_number(n: int) -> str:
    """English words in the Indian system (thousand, lakh, crore), as Indian invoices print them."""
    if n < 0:
        return "minus " + indian_number(-n)
    if n == 0:
        return _EN_ONES[0]
    crores, n = divmod(n, 10_000_000)
    lakhs, n = divmod(n, 100_000)
    thousands, n = divmod(n, 1000)
    parts: list[str] = []
    if crores:
        parts.append(indian_number(crores) + " crore")
    if lakhs:
        parts.append(_english_below_thousand(lakhs) + " lakh")
    if thousands:
        parts.append(_english_below_thousand(thousands) + " thousand")
    if n:
        parts.append(_english_below_thousand(n))
    return " ".join(parts)


# (major singular, major plural, minor singular, minor plural)
_EN_CURRENCIES = {
    "THB": ("baht", "baht", "satang", "satang"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "INR": ("rupee", "rupees", "paisa", "paise"),
    "USD": ("dollar", "dollars", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "SGD": ("Singapore dollar", "Singapore dollars", "cent", "cents"),
    "MYR": ("ringgit", "ringgit", "sen", "sen"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
}


def english_amount_in_words(amount_minor: int, currency: str = "THB") -> str:
    """"Four thousand two hundred baht only", "... and twenty-five satang"; "<CUR> ... and NN/100" otherwise."""
    code = currency.upper()
    sign, major, minor = split_minor(amount_minor, code)
    number = indian_number if code == "INR" else english_number
    names = _EN_CURRENCIES.get(code)
    if names is None:
        exponent = currency_exponent(code)
        words = number(major)
        text = f"{code} {words[0].upper()}{words[1:]}"
        text += f" and {minor:0{exponent}d}/{10 ** exponent}" if minor else " only"
    else:
        one, many, minor_one, minor_many = names
        if major == 0 and minor:
            text = f"{number(minor)} {minor_one if minor == 1 else minor_many}"
        else:
            text = f"{number(major)} {one if major == 1 else many}"
            text += f" and {number(minor)} {minor_one if minor == 1 else minor_many}" if minor else " only"
    if sign < 0:
        text = "minus " + text
    return text[0].upper() + text[1:]


def amount_in_words(amount_minor: int, currency: str, locale: str) -> str:
    """The words for a document in `locale` (Thai for "th", English otherwise)."""
    if locale == "th":
        return thai_amount_in_words(amount_minor, currency)
    return english_amount_in_words(amount_minor, currency)
