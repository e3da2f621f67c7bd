"""Thai tax invoices: who the seller is on a document (the issuing site's branch and its registered address), and
which form of tax invoice an issued invoice takes (Revenue Code §86/4 full, §86/6 abbreviated).

A seller is a Thai VAT seller when its tax ID is a 13-digit Thai number and it charges a tax. Then:
- a buyer with a tax ID or a branch is a VAT-registered buyer: the full tax invoice needs the buyer's name, address,
  valid 13-digit tax ID and branch, or the issue is refused naming what is missing, before any number is taken;
- a buyer without a tax ID (a walk-in customer) gets an abbreviated tax invoice where the garage allows it, else a
  full tax invoice with the buyer's name and address as on file.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.accounts.models import Garage, Site
from backend.core import money
from backend.core.errors import DomainError, ErrorCode
from backend.core.i18n import N_, translate

FULL = "FULL"
ABBREVIATED = "ABBREVIATED"
HEAD_OFFICE = "00000"

_LANGUAGES = ("en", "th")


@dataclass(frozen=True)
class Seller:
    name: str
    address: str | None
    tax_id: str | None
    branch: str
    phone: str | None = None


def is_head_office(branch: str | None) -> bool:
    return not branch or branch == HEAD_OFFICE


def seller_of(garage: Garage, site: Site | None) -> Seller:
    """The issuing site's branch code with that branch's registered address: the head office's is the garage's
    (the site's own when the garage has none on file), a branch's is its own."""
    branch = (site.branch_code if site is not None else None) or HEAD_OFFICE
    if is_head_office(branch):
        address = garage.address or (site.address if site is not None else None)
    else:
        address = site.address
    return Seller(garage.name, address, garage.tax_id, branch, site.phone if site is not None else None)


def is_branch_code(value: str | None) -> bool:
    """A buyer's branch as the Revenue Department writes it: head office, or a branch number of up to 5 digits."""
    text = (value or "").strip()
    return (text.isdigit() and len(text) <= 5) or text.lower() in ("head office", "สำนักงานใหญ่")


def is_thai_tax_id(value: str | None) -> bool:
    from stdnum.th import tin

    return bool(value) and value.isdigit() and len(value) == 13 and tin.is_valid(value)


def is_thai_vat_seller(garage: Garage) -> bool:
    return is_thai_tax_id(garage.tax_id) and garage.tax_rate > 0


def _in_each_language(labels: list[str]) -> dict[str, str]:
    """A list of field names as a message parameter, read in the message's language."""
    return {lang: ", ".join(translate(lang, label) for label in labels) for lang in _LANGUAGES}


def tax_invoice_form(garage: Garage, seller: Seller, customer) -> str | None:
    """FULL or ABBREVIATED for a Thai VAT seller (None otherwise); refuses an incomplete full tax invoice."""
    if not is_thai_vat_seller(garage):
        return None
    missing_seller = [label for label, present in ((N_("name"), seller.name), (N_("address"), seller.address))
                      if not (present or "").strip()]
    if missing_seller:
        raise DomainError(ErrorCode.TAX_INVOICE_SELLER_INCOMPLETE, "id", missing=_in_each_language(missing_seller))
    vat_registered = customer is not None and bool((customer.tax_id or "").strip() or (customer.branch or "").strip())
    if not vat_registered:
        return ABBREVIATED if garage.abbreviated_tax_invoices else FULL
    missing = []
    if not (customer.name or "").strip():
        missing.append(N_("name"))
    if not (customer.address or "").strip():
        missing.append(N_("address"))
    if not is_thai_tax_id((customer.tax_id or "").strip()):
        missing.append(N_("13-digit tax ID"))
    if not is_branch_code(customer.branch):
        missing.append(N_("branch (head office or branch number)"))
    if missing:
        raise DomainError(ErrorCode.TAX_INVOICE_BUYER_INCOMPLETE, "customerId", missing=_in_each_language(missing))
    return FULL


def amount_param(amount: int, currency: str) -> dict[str, str]:
    """An amount as an error-message parameter, formatted in the reader's language (฿0.01 in Thai, THB0.01 in
    English, as every money figure of the API)."""
    return {lang: money.format_money(amount, currency, lang) for lang in _LANGUAGES}
