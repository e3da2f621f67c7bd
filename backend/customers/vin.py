"""The VIN check digit (49 CFR 565.15; GB 16735 in China): the same rule as the app's pwa/src/main/staff/vin.ts.

Position 9 is a check digit only where the region's rules make it one: North America (a VIN starting 1-5) and China
(starting L). Elsewhere (Europe, Japan, Korea, Thailand ...) position 9 is the maker's own, so a VIN from there is
never refused for it.
"""

from __future__ import annotations

# letter -> value of the transliteration table; I, O and Q never appear in a VIN
_VALUES = {
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8, "J": 1, "K": 2, "L": 3, "M": 4, "N": 5,
    "P": 7, "R": 9, "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit_applies(vin: str) -> bool:
    """Whether the VIN's region makes position 9 a check digit (North America 1-5, China L)."""
    return vin[:1] in ("1", "2", "3", "4", "5", "L")


def expected_check_digit(vin: str) -> str:
    """The check digit a well-formed 17-character VIN should carry at position 9: '0'..'9' or 'X'."""
    total = sum((int(c) if c.isdigit() else _VALUES.get(c, 0)) * w for c, w in zip(vin, _WEIGHTS, strict=True))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def check_digit_ok(vin: str) -> bool:
    """True unless the check digit applies and position 9 is not the expected one."""
    return not check_digit_applies(vin) or vin[8] == expected_check_digit(vin)
