"""Custom GraphQL scalars shared by the domains' schemas."""

from __future__ import annotations

from typing import NewType

import strawberry
from graphql import GraphQLError

# The range of the BIGINT columns money is stored in.
AMOUNT_MIN = -(2**63)
AMOUNT_MAX = 2**63 - 1


def _amount(value: object) -> int:
    """An integer as it came in a request: a JSON/GraphQL integer, never a float, a string or a boolean.

    A GraphQLError (not a ValueError), so graphql-core reports it as a request error rather than an internal one;
    the API localizes it ("The value of amount is not of the expected type.") and keeps these words as the detail.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise GraphQLError(f"Amount must be a whole number of minor units (an integer), not {value!r}.")
    if not AMOUNT_MIN <= value <= AMOUNT_MAX:
        raise GraphQLError(f"Amount {value} is outside the 64-bit range.")
    return value


def _serialize(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Amount cannot represent {value!r}")
    return value


# GraphQL's Int stops at 2^31 - 1: ฿21,474,836.47 in satang. One invoice or a year's revenue passes it, so money
# goes out and comes in as Amount, a JSON number (exact up to 2^53 in JavaScript, far above any real amount).
Amount = strawberry.scalar(
    NewType("Amount", int), name="Amount", serialize=_serialize, parse_value=_amount,
    description="An amount in the currency's minor units (satang, pence, paise), as an integer; may exceed 32 bits.")
