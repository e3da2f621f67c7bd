"""What each kind of import can fill (its fields), how one cell becomes a value, the row problems (codes with
messages in en and th), and the built-in preset for a public garage-system export (see docs/import.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from backend.core import validate as v
from backend.core.errors import MESSAGES as CORE_MESSAGES
from backend.core.errors import Collector, ErrorCode
from backend.core.i18n import N_, translate
from backend.core.money import to_minor
from backend.customers.service.common import MAX_MILEAGE, MIN_YEAR, _registration, _vin
from backend.customers.service.phones import to_e164

# ------------------------------------------------------------------------------------------------ row problems

# the import's own codes; the others are the app's ErrorCode values (their messages are the app's)
UNKNOWN_CUSTOMER = "UNKNOWN_CUSTOMER"
AMBIGUOUS_CUSTOMER = "AMBIGUOUS_CUSTOMER"
UNKNOWN_VEHICLE = "UNKNOWN_VEHICLE"
INVALID_DATE = "INVALID_DATE"
INVALID_NUMBER = "INVALID_NUMBER"
DUPLICATE_ID = "DUPLICATE_ID"
DUPLICATE_REGISTRATION = "DUPLICATE_REGISTRATION"
NEEDS_VEHICLE = "NEEDS_VEHICLE"

ROW_MESSAGES: dict[str, str] = {
    UNKNOWN_CUSTOMER: N_("No customer “{ref}” was found: import the customers first, or check the reference."),
    AMBIGUOUS_CUSTOMER: N_("{count} customers have this phone or email; give the customer's id from the old "
                           "system instead."),
    UNKNOWN_VEHICLE: N_("No vehicle “{ref}” was found: import the vehicles first, or check the registration."),
    INVALID_DATE: N_("“{value}” is not a date; write it like 2024-03-31 or 31/03/2024."),
    INVALID_NUMBER: N_("“{value}” is not a number."),
    DUPLICATE_ID: N_("The id “{ref}” is already on row {first} of this file."),
    DUPLICATE_REGISTRATION: N_("Registration {registration} is already on row {first} of this file."),
    NEEDS_VEHICLE: N_("Give the vehicle: its registration or its id from the old system."),
}


@dataclasses.dataclass(frozen=True)
class Problem:
    row: int  # 1-based, the header being row 1 (as a spreadsheet numbers it)
    column: str | None
    code: str
    params: dict

    def message(self, locale: str | None) -> str:
        text = ROW_MESSAGES.get(self.code)
        if text is None:
            text = CORE_MESSAGES[ErrorCode(self.code)]
        return translate(locale, text, **self.params)

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code, "params": self.params}

    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        return cls(row=data["row"], column=data.get("column"), code=data["code"], params=data.get("params") or {})


ROW_LINE = N_("Row {row}, {column}: {text}")
ROW_LINE_NO_COLUMN = N_("Row {row}: {text}")


def problem_line(problem: Problem, locale: str | None) -> str:
    message = problem.message(locale)
    if problem.column:
        return translate(locale, ROW_LINE, row=problem.row, column=problem.column, text=message)
    return translate(locale, ROW_LINE_NO_COLUMN, row=problem.row, text=message)


# ------------------------------------------------------------------------------------------------ fields


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    label: str  # N_() text
    type: str  # text, phone, email, date, int, mileage, year, amount, hours, registration, vin, choice, tax_id
    required: bool = False
    max_len: int = 200
    joinable: bool = False  # several columns may fill it (joined with ", ")
    choices: tuple[str, ...] = ()


def _f(name, label, type_="text", **kw) -> Field:
    return Field(name, label, type_, **kw)


SOURCE_ID = _f("source_id", N_("Id in the old system"), required=True, max_len=100)

FIELDS: dict[str, tuple[Field, ...]] = {
    "customers": (
        SOURCE_ID,
        _f("name", N_("Name"), required=True, joinable=True),
        _f("kind", N_("Person or company"), "choice", choices=("PERSON", "COMPANY")),
        _f("phone", N_("Phone"), "phone"),
        _f("email", N_("Email"), "email"),
        _f("address", N_("Address"), max_len=2000, joinable=True),
        _f("tax_id", N_("Tax ID"), "tax_id"),
        _f("notes", N_("Notes"), max_len=5000, joinable=True),
    ),
    "vehicles": (
        SOURCE_ID,
        _f("registration", N_("Registration"), "registration", required=True),
        _f("customer_ref", N_("Customer's id in the old system"), max_len=100),
        _f("customer_phone", N_("Customer's phone"), "phone"),
        _f("customer_email", N_("Customer's email"), "email"),
        _f("vin", N_("VIN"), "vin"),
        _f("make", N_("Make"), max_len=80),
        _f("model", N_("Model"), max_len=80),
        _f("year", N_("Year"), "year"),
        _f("colour", N_("Colour"), max_len=40),
        _f("mileage", N_("Mileage"), "mileage"),
        _f("notes", N_("Notes"), max_len=5000, joinable=True),
    ),
    "service_history": (
        SOURCE_ID,
        _f("registration", N_("Registration"), "registration"),
        _f("vehicle_ref", N_("Vehicle's id in the old system"), max_len=100),
        _f("customer_ref", N_("Customer's id in the old system"), max_len=100),
        _f("visited_on", N_("Date of the visit"), "date", required=True),
        _f("mileage", N_("Mileage"), "mileage"),
        _f("description", N_("Work done"), max_len=10000, joinable=True),
        _f("technician", N_("Technician"), max_len=200),
        _f("billed_hours", N_("Billed hours"), "hours"),
        _f("labour_amount", N_("Labour amount"), "amount"),
        _f("parts_amount", N_("Parts amount"), "amount"),
        _f("total_amount", N_("Total amount"), "amount"),
    ),
    "stock_items": (
        SOURCE_ID,
        _f("sku", N_("SKU / part number"), required=True, max_len=64),
        _f("name_en", N_("Name (English)"), required=True),
        _f("name_th", N_("Name (Thai)")),
        _f("unit", N_("Unit"), max_len=20),
        _f("cost_price", N_("Cost price"), "amount"),
        _f("sale_price", N_("Sale price"), "amount"),
        _f("quantity", N_("Quantity on hand (new items only)"), "int"),
        _f("reorder_point", N_("Reorder point"), "int"),
        _f("bin_location", N_("Bin location"), max_len=40),
    ),
}

KIND_LABELS = {
    "customers": N_("Customers"),
    "vehicles": N_("Vehicles"),
    "service_history": N_("Service history"),
    "stock_items": N_("Stock items"),
}


def field_map(kind: str) -> dict[str, Field]:
    return {f.name: f for f in FIELDS[kind]}


# ------------------------------------------------------------------------------------------------ built-in presets


@dataclasses.dataclass(frozen=True)
class BuiltinPreset:
    key: str
    name: str
    kind: str
    source: str
    mapping: dict  # column -> field
    options: dict


# GEM-CAR (garage management software, Canada) documents the columns of its customer list for import/export:
# Customer number, Customer name, Address, City, Province/State, Postal/Zip code, Telephone, Car make, Model, Year,
# VIN, Mileage. The customer part of it maps here; docs/import.md has the details.
BUILTIN_PRESETS: tuple[BuiltinPreset, ...] = (
    BuiltinPreset(
        key="gem-car-customers", name="GEM-CAR customer list", kind="customers", source="gem-car",
        mapping={"Customer number": "source_id", "Customer name": "name", "Address": "address", "City": "address",
                 "Province/State": "address", "Postal/Zip code": "address", "Telephone": "phone"},
        options={"delimiter": ","},
    ),
)


def builtin(key: str) -> BuiltinPreset | None:
    return next((p for p in BUILTIN_PRESETS if p.key == key), None)


# ------------------------------------------------------------------------------------------------ cells -> values


@dataclasses.dataclass
class Context:
    region: str
    currency: str
    date_order: str = "DMY"  # how a date like 03/04/2024 reads: DMY (Thailand, UK), MDY (US), YMD


def cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    elif isinstance(value, dt.date):
        value = value.isoformat()
    text = v.clean(str(value))
    return text


_DATE_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_DATE_OTHER = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})(?:[ T].*)?$")


def _year4(year: int) -> int:
    if year < 100:
        year += 2000 if year < 70 else 1900
    if year > 2400:  # a Thai export's Buddhist-era year (2567 = 2024)
        year -= 543
    return year


def parse_date(value: object, order: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value) or ""
    try:
        if m := _DATE_ISO.match(text):
            return dt.date(_year4(int(m[1])), int(m[2]), int(m[3]))
        if m := _DATE_OTHER.match(text):
            a, b, year = int(m[1]), int(m[2]), _year4(int(m[3]))
            if order == "YMD":
                return None
            day, month = (b, a) if order == "MDY" else (a, b)
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


_MONEY_JUNK = re.compile(r"[\s\u00a0฿$€£]|THB|บาท", re.IGNORECASE)


def parse_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = _MONEY_JUNK.sub("", cell_text(value) or "")
    if "," in text and "." in text:
        text = text.replace(",", "") if text.rfind(",") < text.rfind(".") else text.replace(".", "").replace(",", ".")
    elif "," in text:
        whole, _, frac = text.rpartition(",")
        text = f"{whole.replace(',', '')}.{frac}" if len(frac) in (1, 2) and text.count(",") == 1 else \
            text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def convert(errors: list, field: Field, column: str | None, raw: object, ctx: Context):
    """One cell (or the joined cells) -> the field's value, or None with a problem added to `errors` as
    (column, code, params)."""
    text = cell_text(raw)
    if text is None:
        if field.required:
            errors.append((column, ErrorCode.REQUIRED.value, {}))
        return None
    t = field.type
    if t == "text":
        if len(text) > field.max_len:
            errors.append((column, ErrorCode.TOO_LONG.value, {"max": field.max_len}))
            return None
        return text
    if t == "choice":
        value = text.strip().upper()
        if value not in field.choices:
            errors.append((column, ErrorCode.INVALID_VALUE.value, {}))
            return None
        return value
    if t == "phone":
        e164 = to_e164(text, ctx.region) if len(text) <= 40 else None
        if e164 is None:
            errors.append((column, ErrorCode.INVALID_PHONE.value, {}))
        return e164
    if t in ("email", "tax_id", "registration", "vin"):
        collector = Collector()
        if t == "email":
            value = v.email(collector, field.name, text)
        elif t == "tax_id":
            value = v.tax_id(collector, field.name, text)
        elif t == "vin":
            value = _vin(collector, text)
        else:
            value = _registration(collector, text)
        for e in collector.errors:
            errors.append((column, e.code.value, {k: str(p) for k, p in e.params.items()}))
        return None if collector.errors else value
    if t == "date":
        value = parse_date(raw, ctx.date_order)
        if value is None or not MIN_YEAR <= value.year <= 2200:
            errors.append((column, INVALID_DATE, {"value": str(cell_text(raw))[:40]}))
            return None
        return value
    number = parse_decimal(raw)
    if number is None:
        errors.append((column, INVALID_NUMBER, {"value": str(cell_text(raw))[:40]}))
        return None
    if t == "amount":
        if number < 0 or number > Decimal("1e12"):
            errors.append((column, ErrorCode.INVALID_AMOUNT.value, {}))
            return None
        return to_minor(number, ctx.currency)
    if t == "hours":
        if number < 0 or number >= Decimal("100000"):
            errors.append((column, INVALID_NUMBER, {"value": str(cell_text(raw))[:40]}))
            return None
        return number.quantize(Decimal("0.01"))
    if number != number.to_integral_value():
        errors.append((column, INVALID_NUMBER, {"value": str(cell_text(raw))[:40]}))
        return None
    whole = int(number)
    if t == "mileage" and not 0 <= whole <= MAX_MILEAGE:
        errors.append((column, ErrorCode.INVALID_MILEAGE.value, {"min": 0, "max": MAX_MILEAGE}))
        return None
    if t == "year":
        top = dt.date.today().year + 1
        if not MIN_YEAR <= whole <= top:
            errors.append((column, ErrorCode.INVALID_YEAR.value, {"min": MIN_YEAR, "max": top}))
            return None
    if t == "int" and not 0 <= whole <= 10_000_000:
        errors.append((column, ErrorCode.NEGATIVE_QUANTITY.value, {}))
        return None
    return whole

