"""PromptPay QR codes for a balance due: an EMVCo merchant-presented QR in the Thai QR Payment profile.

The payload is a run of tag-length-value fields (two-digit tag, two-digit length, value):
  00 payload format indicator "01"; 01 point of initiation "12" (dynamic: the amount is fixed);
  29 PromptPay credit transfer: 00 AID A000000677010111, then 01 a mobile number (0066 + 9 digits), 02 a 13-digit
     tax ID or 03 a 15-digit e-wallet ID;
  or 30 bill payment: 00 AID A000000677010112, 01 the 15-digit biller ID, 02 reference 1 (the invoice number, letters
     and digits only, as the banks' apps accept);
  53 currency "764" (THB); 54 amount "1234.50"; 58 country "TH";
  63 CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) over everything before it including "6304".
The image is made by segno.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

AID_CREDIT_TRANSFER = "A000000677010111"
AID_BILL_PAYMENT = "A000000677010112"
THB_NUMERIC = "764"
MAX_REFERENCE = 20


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"tag {tag} is too long for EMVCo QR")
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def with_crc(body: str) -> str:
    body += "6304"
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


def _account(promptpay_id: str) -> str:
    """Tag 29's sub-fields for a mobile number, a tax ID or an e-wallet ID (as validated in the garage settings)."""
    if len(promptpay_id) == 10:  # 0812345678 -> 0066812345678
        return tlv("01", "0066" + promptpay_id[1:])
    if len(promptpay_id) == 13:
        return tlv("02", promptpay_id)
    if len(promptpay_id) == 15:
        return tlv("03", promptpay_id)
    raise ValueError("not a PromptPay ID")


def reference_of(number: str | None) -> str | None:
    """INV-2026-000042 -> INV2026000042: bank apps take a bill reference of upper-case letters and digits."""
    if not number:
        return None
    return re.sub(r"[^A-Z0-9]", "", number.upper())[:MAX_REFERENCE] or None


def payload(amount_minor: int, *, promptpay_id: str | None = None, biller_id: str | None = None,
            reference: str | None = None) -> str:
    """The QR text for `amount_minor` satang to a biller ID (with the reference) or else a PromptPay ID."""
    if amount_minor <= 0:
        raise ValueError("a PromptPay QR is for an amount due")
    if biller_id:
        account = tlv("00", AID_BILL_PAYMENT) + tlv("01", biller_id)
        if reference:
            account += tlv("02", reference)
        merchant = tlv("30", account)
    elif promptpay_id:
        merchant = tlv("29", tlv("00", AID_CREDIT_TRANSFER) + _account(promptpay_id))
    else:
        raise ValueError("no PromptPay ID or biller ID")
    major, minor = divmod(amount_minor, 100)
    body = (tlv("00", "01") + tlv("01", "12") + merchant + tlv("53", THB_NUMERIC) + tlv("54", f"{major}.{minor:02d}")
            + tlv("58", "TH"))
    return with_crc(body)


def parse(text: str) -> dict[str, str]:
    """Tag -> value of one level of a payload (for tests and for reading a nested template)."""
    out: dict[str, str] = {}
    i = 0
    while i < len(text):
        tag, length = text[i:i + 2], int(text[i + 2:i + 4])
        out[tag] = text[i + 4:i + 4 + length]
        i += 4 + length
    return out


@dataclass(frozen=True)
class PromptPayQr:
    payload: str
    amount: int  # minor units

    def _qr(self):
        import segno

        return segno.make(self.payload, error="m", micro=False)

    def svg(self) -> str:
        buffer = io.BytesIO()
        self._qr().save(buffer, kind="svg", scale=4, border=4, xmldecl=False, svgns=True)
        return buffer.getvalue().decode()

    def svg_data_uri(self) -> str:
        return self._qr().svg_data_uri(scale=4, border=4)

    def png(self, scale: int = 8) -> bytes:
        buffer = io.BytesIO()
        self._qr().save(buffer, kind="png", scale=scale, border=4)
        return buffer.getvalue()


def for_balance(garage, currency: str, balance_due: int | None, number: str | None) -> PromptPayQr | None:
    """The QR for what is still due on an issued THB invoice; None when the garage has no ID or nothing is due."""
    if currency != "THB" or not number or not balance_due or balance_due <= 0:
        return None
    biller_id, promptpay_id = garage.promptpay_biller_id, garage.promptpay_id
    if not (biller_id or promptpay_id):
        return None
    text = payload(balance_due, promptpay_id=promptpay_id, biller_id=biller_id, reference=reference_of(number))
    return PromptPayQr(text, balance_due)
