"""Reading an export: CSV in any delimiter and encoding (UTF-8 with or without BOM, UTF-16, TIS-620/cp874 for Thai
exports; detected, or as the user says), or XLSX through openpyxl in read-only mode. The result is a header (the
column names, made unique) and the rows as lists of cells (strings for CSV; str, int, float, datetime for XLSX)."""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile

from backend.core.i18n import N_

DELIMITERS = ",;\t|"
ENCODINGS = {"auto": None, "utf-8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16",
             "tis-620": "cp874", "cp874": "cp874", "windows-874": "cp874", "cp1252": "cp1252", "latin-1": "latin-1"}
MAX_COLUMNS = 200
MAX_ROWS = 500_000
MAX_XLSX_UNPACKED = 400 * 1024 * 1024  # an .xlsx is a zip: what it unpacks to is checked before it is opened

MSG_UNREADABLE = N_("The file could not be read as CSV or XLSX. Save it again as CSV (UTF-8) or Excel (.xlsx).")
MSG_NO_ROWS = N_("The file has a header but no rows to import.")
MSG_EMPTY = N_("The file is empty.")
MSG_ENCODING = N_("The file is not in the {encoding} encoding. Choose another encoding or leave it on automatic.")
MSG_TOO_MANY_COLUMNS = N_("The file has more than {max} columns.")
MSG_TOO_MANY_ROWS = N_("The file has more than {max} rows; split it into smaller files.")


class ReadError(Exception):
    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclasses.dataclass
class Table:
    columns: list[str]
    rows: list[list]
    format: str  # "csv" | "xlsx"
    encoding: str | None = None
    delimiter: str | None = None


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    """(text, the encoding used). `encoding` None or "auto": BOM, else UTF-8 if it decodes, else Thai cp874."""
    wanted = ENCODINGS.get((encoding or "auto").lower(), encoding)
    if wanted:
        try:
            return data.decode(wanted), wanted
        except (UnicodeDecodeError, LookupError):
            raise ReadError(MSG_ENCODING, encoding=encoding) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # not UTF-8: a Thai export from Windows software is TIS-620 / cp874 (which is also plain ASCII + Thai)
    try:
        return data.decode("cp874"), "cp874"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str) -> str:
    # the first lines tell the delimiter: csv.Sniffer's quote guess runs regular expressions over all it is given
    # (64 KB cost seconds), so it gets whole lines up to 8 KB
    sample = text[:8 * 1024]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[:sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


def _header(raw: list) -> list[str]:
    if len(raw) > MAX_COLUMNS:
        raise ReadError(MSG_TOO_MANY_COLUMNS, max=MAX_COLUMNS)
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(raw):
        name = (str(cell).strip() if cell is not None else "") or f"Column {index + 1}"
        count = seen.get(name.lower(), 0)
        seen[name.lower()] = count + 1
        names.append(name if count == 0 else f"{name} ({count + 1})")
    return names


def _blank(row: list) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def read_csv(data: bytes, *, encoding: str | None = None, delimiter: str | None = None) -> Table:
    text, used = decode(data, encoding)
    if not text.strip():
        raise ReadError(MSG_EMPTY)
    delim = delimiter if delimiter else sniff_delimiter(text)
    if delim == "\\t":
        delim = "\t"
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
        header = next(reader)
        rows = []
        for row in reader:
            if not _blank(row):
                rows.append(row)
                if len(rows) > MAX_ROWS:
                    raise ReadError(MSG_TOO_MANY_ROWS, max=MAX_ROWS)
    except csv.Error:
        raise ReadError(MSG_UNREADABLE) from None
    if not rows:
        raise ReadError(MSG_NO_ROWS)
    return Table(columns=_header(header), rows=rows, format="csv", encoding=used, delimiter=delim)


def read_xlsx(data: bytes, *, sheet: str | None = None) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ReadError(MSG_UNREADABLE) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise ReadError(MSG_UNREADABLE)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ReadError(MSG_UNREADABLE) from None
    try:
        ws = book[sheet] if sheet and sheet in book.sheetnames else book.worksheets[0]
        rows_iter = ws.iter_rows(values_only=True)
        header = next(rows_iter, None)
        if header is None:
            raise ReadError(MSG_EMPTY)
        width = len(header)
        while width and header[width - 1] in (None, ""):
            width -= 1
        if not width:
            raise ReadError(MSG_EMPTY)
        rows = []
        for row in rows_iter:
            cells = list(row[:width]) + [None] * max(0, width - len(row))
            if not _blank(cells):
                rows.append(cells)
                if len(rows) > MAX_ROWS:
                    raise ReadError(MSG_TOO_MANY_ROWS, max=MAX_ROWS)
    finally:
        book.close()
    if not rows:
        raise ReadError(MSG_NO_ROWS)
    return Table(columns=_header(list(header[:width])), rows=rows, format="xlsx")


def read_table(data: bytes, options: dict | None = None) -> Table:
    options = options or {}
    if not data:
        raise ReadError(MSG_EMPTY)
    fmt = (options.get("format") or "").lower()
    if fmt == "xlsx" or (not fmt and is_xlsx(data)):
        table = read_xlsx(data, sheet=options.get("sheet"))
    else:
        table = read_csv(data, encoding=options.get("encoding"), delimiter=options.get("delimiter"))
    return table
