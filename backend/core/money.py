"""Exact money: integer minor units, Decimal arithmetic, half-up rounding per line, totals as sums of lines.

Amounts are stored as integers in the currency's minor unit (satang, pence, paise; yen have none). A tax rate is a
percentage as the garage setting holds it (Decimal("7") is 7 %). A line is computed on its own and rounded to
whole minor units; a document's totals are the plain sums of its lines, so the printed lines always add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision

HUNDRED = Decimal(100)


@lru_cache(maxsize=64)
def minor_exponent(currency: str) -> int:
    """Digits after the decimal point of a currency's minor unit: THB, GBP, INR 2; JPY 0."""
    return int(get_currency_precision(currency.upper()))


def round_half_up(value: Decimal) -> int:
    """A Decimal amount of minor units to a whole number of minor units, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """A major-unit amount ("12.345" baht) to minor units, rounded half-up (1235 satang)."""
    value = Decimal(str(amount))
    return round_half_up(value.scaleb(minor_exponent(currency)))


def to_major(amount: int, currency: str) -> Decimal:
    """Minor units to an exact Decimal of major units (1235 satang -> Decimal("12.35"))."""
    exponent = minor_exponent(currency)
    return (Decimal(amount).scaleb(-exponent)).quantize(Decimal(1).scaleb(-exponent))


def format_money(amount: int, currency: str, locale: str = "en") -> str:
    """A human amount in the reader's language: "฿1,234.50", "£12.00", "¥1,200"."""
    babel_locale = {"th": "th_TH", "en": "en_US"}.get(locale, locale)
    return format_currency(to_major(amount, currency), currency, locale=babel_locale)


@dataclass(frozen=True)
class LineAmounts:
    net: int  # before tax
    tax: int
    total: int  # net + tax


def line_amounts(quantity: Decimal | int | str, unit_price: int, discount: int, tax_rate: Decimal | int | str,
                 prices_include_tax: bool) -> LineAmounts:
    """One line: quantity x unit price - discount, rounded half-up; tax on it at the rate, rounded half-up.

    Prices excluding tax: net = amount, tax = net x rate, total = net + tax.
    Prices including tax: total = amount, tax = total - total / (1 + rate), net = total - tax.
    """
    try:
        quantity = Decimal(str(quantity))
        rate = Decimal(str(tax_rate)) / HUNDRED
    except InvalidOperation as exc:  # pragma: no cover - inputs are validated before they reach here
        raise ValueError("not a number") from exc
    amount = round_half_up(quantity * Decimal(unit_price) - Decimal(discount))
    if prices_include_tax:
        tax = round_half_up(Decimal(amount) - Decimal(amount) / (1 + rate)) if rate else 0
        return LineAmounts(net=amount - tax, tax=tax, total=amount)
    tax = round_half_up(Decimal(amount) * rate)
    return LineAmounts(net=amount, tax=tax, total=amount + tax)


@dataclass(frozen=True)
class Totals:
    subtotal: int
    tax_total: int
    total: int


def totals(lines: Iterable[LineAmounts]) -> Totals:
    """A document's totals: the sums of its lines (never recomputed from the sums, so they always agree)."""
    subtotal = tax_total = total = 0
    for line in lines:
        subtotal += line.net
        tax_total += line.tax
        total += line.total
    return Totals(subtotal=subtotal, tax_total=tax_total, total=total)


def percentage_of(amount: int, rate: Decimal | int | str) -> int:
    """rate % of an amount in minor units, rounded half-up (withholding tax: 3 % of the pre-tax service amount)."""
    return round_half_up(Decimal(amount) * Decimal(str(rate)) / HUNDRED)
