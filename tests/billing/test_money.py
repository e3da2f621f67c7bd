"""Exact money: per-line half-up rounding, totals as sums of lines, currency exponents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.core import money

lines = st.lists(st.tuples(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("500"), places=3),  # quantity
    st.integers(min_value=0, max_value=10_000_000),  # unit price, minor units
    st.integers(min_value=0, max_value=1_000),  # discount, minor units
), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(lines=lines, currency=st.sampled_from(["THB", "GBP", "INR"]),
       rate=st.sampled_from([Decimal("0"), Decimal("5"), Decimal("7"), Decimal("18"), Decimal("20")]),
       inclusive=st.booleans())
def test_totals_are_the_sum_of_the_lines_plus_tax(lines, currency, rate, inclusive):
    assert money.minor_exponent(currency) == 2
    computed = []
    for quantity, unit_price, discount in lines:
        discount = min(discount, int(quantity * unit_price))
        line = money.line_amounts(quantity, unit_price, discount, rate, inclusive)
        # each line on its own, written independently: amount half-up, tax half-up on it
        amount = (quantity * unit_price - discount).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if inclusive:
            tax = (amount - amount / (1 + rate / 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            assert (line.total, line.tax, line.net) == (int(amount), int(tax), int(amount - tax))
        else:
            tax = (amount * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            assert (line.net, line.tax, line.total) == (int(amount), int(tax), int(amount + tax))
        assert line.net + line.tax == line.total and line.tax >= 0
        computed.append(line)
    totals = money.totals(computed)
    assert totals.subtotal == sum(l.net for l in computed)
    assert totals.tax_total == sum(l.tax for l in computed)
    assert totals.total == totals.subtotal + totals.tax_total == sum(l.total for l in computed)


def test_half_up_and_exponents():
    assert money.line_amounts("1", 5, 0, "10", False).tax == 1  # 0.5 satang rounds up, not to even
    assert money.line_amounts("1", 15, 0, "10", False).tax == 2  # 1.5 -> 2
    assert money.line_amounts("1", 25, 0, "10", False).tax == 3  # 2.5 -> 3 (banker's rounding would give 2)
    assert money.line_amounts("1", 107000, 0, "7", True) == money.LineAmounts(net=100000, tax=7000, total=107000)
    assert [money.minor_exponent(c) for c in ("THB", "GBP", "INR", "JPY")] == [2, 2, 2, 0]
    assert money.to_minor("12.345", "THB") == 1235 and money.to_minor("1200", "JPY") == 1200
    assert money.format_money(123450, "THB", "th") == "฿1,234.50"
    assert money.percentage_of(50000, 3) == 1500
