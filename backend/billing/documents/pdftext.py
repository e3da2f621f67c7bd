"""Text that copies and extracts right from WeasyPrint's PDFs, Thai included.

WeasyPrint writes each font's ToUnicode map from the text of the cluster a glyph was first drawn in. Thai shaping
puts a consonant and its marks in one cluster, swaps tone marks for lowered or shifted variants the font's cmap does
not list, and draws sara am (ำ) as nikhahit + sara aa; so copying "ผู้" gives "ผูู", "จำกัด" gives "จากัด", and once
"ใบกำกับ" has been drawn every sara aa of the page reads ำ.

`fix_text_map` is a WeasyPrint finisher (a public `write_pdf` hook, run once every object is built and before the
file is written). For every embedded TrueType/OpenType font it:

* gives each glyph its own characters, read from the full font program: the cmap reversed (private-use code points
  last), then the GSUB substitutions reversed (single, alternate, ligature: a variant glyph means what its source
  means, a ligature the concatenation of its parts), then the glyph's name (``uni0E49.low``), then the legacy Thai
  private-use code points; a glyph none of these explain keeps WeasyPrint's text;
* gives the nikhahit and sara aa drawn for a sara am their own character codes (mapped by a CIDToGIDMap to the same
  glyphs, so the page looks the same), the first meaning nothing and the second "ำ", so "น้ำ", drawn
  น ํ ้ า, reads น ้ ำ.

Nothing here changes what is drawn. The work depends only on the document, so the same document still gives the same
bytes. A font whose objects do not look as expected is left as WeasyPrint made it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import struct
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field

LOGGER = logging.getLogger(__name__)

NIKHAHIT, SARA_AA, SARA_AM = "\u0e4d", "\u0e32", "\u0e33"

# The legacy private-use Thai glyph variants (shifted left, lowered, without descender) and what they stand for.
_THAI_PUA = {
    0xF700: "\u0e10", 0xF701: "\u0e34", 0xF702: "\u0e35", 0xF703: "\u0e36", 0xF704: "\u0e37",
    0xF705: "\u0e48", 0xF706: "\u0e49", 0xF707: "\u0e4a", 0xF708: "\u0e4b", 0xF709: "\u0e4c",
    0xF70A: "\u0e48", 0xF70B: "\u0e49", 0xF70C: "\u0e4a", 0xF70D: "\u0e4b", 0xF70E: "\u0e4c",
    0xF70F: "\u0e0d", 0xF710: "\u0e31", 0xF711: "\u0e4d", 0xF712: "\u0e47", 0xF713: "\u0e48",
    0xF714: "\u0e49", 0xF715: "\u0e4a", 0xF716: "\u0e4b", 0xF717: "\u0e4c", 0xF718: "\u0e38",
    0xF719: "\u0e39", 0xF71A: "\u0e3a",
}

_GLYPH_NAME = re.compile(r"^(?:uni([0-9A-F]{4})|u([0-9A-F]{4,6}))(?:[._].*)?$")
_TF = re.compile(rb"^/(\S+) \S+ Tf$")


def _is_private(codepoint: int) -> bool:
    return 0xE000 <= codepoint <= 0xF8FF or codepoint >= 0xF0000


# --------------------------------------------------------------------------------------------- what each glyph means


def glyph_texts(font_bytes: bytes, font_number: int = 0) -> dict[int, str]:
    """Glyph id -> the characters that glyph stands for, from a font program's cmap, GSUB and glyph names."""
    from fontTools.ttLib import TTFont

    ttfont = TTFont(io.BytesIO(font_bytes), fontNumber=font_number, lazy=True)
    order = ttfont.getGlyphOrder()
    by_name: dict[str, str] = {}
    private: dict[str, int] = {}
    compatibility: dict[str, str] = {}  # presentation forms such as U+FB01 "ﬁ": their ligature's parts come first
    cmap = ttfont.getBestCmap() or {}
    for codepoint in sorted(cmap):
        name = cmap[codepoint]
        if _is_private(codepoint):
            private.setdefault(name, codepoint)
        elif unicodedata.decomposition(chr(codepoint)).startswith("<compat>"):
            compatibility.setdefault(name, chr(codepoint))
        else:
            by_name.setdefault(name, chr(codepoint))

    if "GSUB" in ttfont and ttfont["GSUB"].table.LookupList is not None:
        subtables = []
        for lookup in ttfont["GSUB"].table.LookupList.Lookup:
            for subtable in lookup.SubTable:
                if lookup.LookupType == 7:
                    subtable = subtable.ExtSubTable
                subtables.append(subtable)
        # Variants of variants: repeat until nothing new is learnt.
        for _ in range(4):
            learnt = False
            for subtable in subtables:
                kind = getattr(subtable, "LookupType", None)
                pairs: list[tuple[str, str]] = []
                if kind == 1:
                    pairs = [(source, target) for source, target in sorted(subtable.mapping.items())]
                elif kind == 3:
                    pairs = [(source, target) for source, targets in sorted(subtable.alternates.items())
                             for target in targets]
                elif kind == 4:
                    for first, ligatures in sorted(subtable.ligatures.items()):
                        for ligature in ligatures:
                            parts = [first, *ligature.Component]
                            if ligature.LigGlyph not in by_name and all(part in by_name for part in parts):
                                by_name[ligature.LigGlyph] = "".join(by_name[part] for part in parts)
                                learnt = True
                for source, target in pairs:
                    if target not in by_name and source in by_name:
                        by_name[target] = by_name[source]
                        learnt = True
            if not learnt:
                break
    for name, text in compatibility.items():
        by_name.setdefault(name, text)

    texts: dict[int, str] = {}
    for gid, name in enumerate(order):
        if name in by_name:
            texts[gid] = by_name[name]
            continue
        match = _GLYPH_NAME.match(name)
        if match:
            codepoint = int(match.group(1) or match.group(2), 16)
            if not _is_private(codepoint) and codepoint <= 0x10FFFF and not 0xD800 <= codepoint <= 0xDFFF:
                texts[gid] = chr(codepoint)
                continue
            if codepoint in _THAI_PUA:
                texts[gid] = _THAI_PUA[codepoint]
                continue
        if private.get(name) in _THAI_PUA:
            texts[gid] = _THAI_PUA[private[name]]
    return texts


_cache: OrderedDict[bytes, dict[int, str]] = OrderedDict()
_cache_lock = threading.Lock()


def _cached_glyph_texts(font_bytes: bytes, font_number: int) -> dict[int, str]:
    key = hashlib.sha256(font_bytes).digest() + font_number.to_bytes(4, "big")
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    texts = glyph_texts(font_bytes, font_number)
    with _cache_lock:
        _cache[key] = texts
        while len(_cache) > 32:
            _cache.popitem(last=False)
    return texts


def _full_font_bytes(font) -> bytes | None:
    """The font program the text was shaped with (WeasyPrint keeps only a subset without GSUB in the PDF)."""
    try:
        from weasyprint.text.fonts import get_hb_object_data

        data = get_hb_object_data(font.hb_face)
    except Exception:  # an internal that moved: fall back to what is embedded
        data = None
    return data or getattr(font, "file_content", None)


# --------------------------------------------------------------------------------------------- the PDF objects


@dataclass
class _FontFix:
    font: object
    texts: dict[int, str]
    to_unicode: object  # the pydyf Stream of the ToUnicode CMap
    cid_font: object | None  # the descendant CIDFont dictionary, when extra codes can be added
    next_code: int
    extra: dict[tuple[int, str, float], int] = field(default_factory=dict)  # (glyph, text, advance) -> code

    marks: dict[int, bool] = field(default_factory=dict)  # glyph -> whether it is a combining mark (memo)
    joining: dict[int, bool] = field(default_factory=dict)  # glyph -> may_join (memo)

    def text(self, glyph: int) -> str:
        own = self.texts.get(glyph) if glyph < self.font.glyph_count else None
        return own if own else self.font.to_unicode.get(glyph, "")

    def is_mark(self, glyph: int) -> bool:
        """_is_mark(self.text(glyph)), worked out once per glyph of the document (a page draws the same few)."""
        mark = self.marks.get(glyph)
        if mark is None:
            mark = self.marks[glyph] = _is_mark(self.text(glyph))
        return mark

    def may_join(self, glyph: int) -> bool:
        """Whether the glyph may join the cluster before it (a mark, or a sara aa after a nikhahit), once per glyph."""
        joins = self.joining.get(glyph)
        if joins is None:
            joins = self.joining[glyph] = self.is_mark(glyph) or self.text(glyph) == SARA_AA
        return joins

    def code_for(self, glyph: int, text: str, advance: float) -> int | None:
        key = (glyph, text, advance)
        if key not in self.extra:
            if self.next_code > 0xFFFF:
                return None
            self.extra[key] = self.next_code
            self.next_code += 1
        return self.extra[key]


def _object(pdf, reference):
    if isinstance(reference, (bytes, str)):
        text = reference.decode() if isinstance(reference, bytes) else reference
        parts = text.split()
        if len(parts) == 3 and parts[2] == "R" and parts[0].isdigit():
            return pdf.objects[int(parts[0])]
    return None


def _font_fixes(document, pdf) -> dict[bytes, _FontFix]:
    import pydyf

    fonts_by_name = {}
    for font in document.fonts.values():
        name = getattr(font, "name", None)
        if isinstance(name, bytes) and not getattr(font, "bitmap", False):
            fonts_by_name[name] = font
    fixes: dict[bytes, _FontFix] = {}
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary) or obj.get("Subtype") != "/Type0" or "ToUnicode" not in obj:
            continue
        font = fonts_by_name.get(obj.get("BaseFont"))
        to_unicode = _object(pdf, obj["ToUnicode"])
        if font is None or not isinstance(to_unicode, pydyf.Stream):
            continue
        data = _full_font_bytes(font)
        if not data:
            continue
        try:
            texts = _cached_glyph_texts(data, getattr(font, "index", 0) or 0)
        except Exception:
            LOGGER.warning("could not read the glyphs of font %s; its text map is left as is", font.family,
                           exc_info=True)
            continue
        cid_font = None
        descendants = obj.get("DescendantFonts")
        if obj.get("Encoding") == "/Identity-H" and isinstance(descendants, pydyf.Array) and len(descendants) == 1:
            candidate = _object(pdf, descendants[0])
            if (isinstance(candidate, pydyf.Dictionary) and candidate.get("CIDToGIDMap") == "/Identity"
                    and isinstance(candidate.get("W"), pydyf.Array) and "FontDescriptor" in candidate):
                descriptor = _object(pdf, candidate["FontDescriptor"])
                if isinstance(descriptor, pydyf.Dictionary) and "CIDSet" not in descriptor:
                    cid_font = candidate
        used = list(font.to_unicode) + list(getattr(font, "missing", {}).values())
        first_free = max([font.glyph_count, *(gid + 1 for gid in used)])
        fixes[font.hash.encode()] = _FontFix(font, texts, to_unicode, cid_font, first_free)
    return fixes


def _content_streams(pdf):
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and any(isinstance(item, bytes) and item.endswith(b" TJ")
                                                 for item in obj.stream):
            yield obj


# a TJ operand _parse_tj reads (glyph ids of 4 hex digits, moves, spaces), checked at once; and its glyph runs
_TJ_WELL_FORMED = re.compile(rb"\[(?:<(?:[0-9a-fA-F]{4})*>|[-+]?(?:\d+\.?\d*|\.\d+)|\s+)*\]")
_TJ_GLYPHS = re.compile(rb"<([0-9a-fA-F]*)>")
_TJ_TOKENS = re.compile(rb"<([0-9a-fA-F]*)>|([-+]?(?:\d+\.?\d*|\.\d+))")


def _parse_tj(item: bytes) -> list[list] | None:
    """b"[<00f3>-20<01230124>] TJ" -> [["g", 0xf3], ["n", -20.0, b"-20"], ["g", 0x123], ["g", 0x124]]."""
    body = item[:-3].strip()
    if not _TJ_WELL_FORMED.fullmatch(body):
        return None
    parts: list[list] = []
    for digits, number in _TJ_TOKENS.findall(body[1:-1]):
        if number:
            parts.append(["n", float(number), number])
        elif not digits:
            parts.append(["e"])
        else:
            raw = bytes.fromhex(digits.decode())  # 2 bytes per glyph id, big-endian
            parts += [["g", glyph] for glyph in struct.unpack(f">{len(raw) // 2}H", raw)]
    return parts


def _format_tj(parts: list[list]) -> bytes:
    out, glyphs = [], []
    for part in parts:
        if part[0] == "g":
            glyphs.append(f"{part[1]:04x}")
            continue
        if glyphs:
            out.append(f"<{''.join(glyphs)}>")
            glyphs = []
        if part[0] == "e":
            out.append("<>")
        elif part[0] == "n":
            out.append(part[2].decode())
    if glyphs:
        out.append(f"<{''.join(glyphs)}>")
    return b"[" + "".join(out).encode() + b"] TJ"


_MARK_RANK = {**{mark: 0 for mark in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47"},
              **{mark: 1 for mark in "\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"}}


def _is_mark(text: str) -> bool:
    return bool(text) and all(unicodedata.category(char) == "Mn" for char in text)


def _is_thai(text: str) -> bool:
    return any("\u0e00" <= char <= "\u0e7f" for char in text)


def _cluster_text(texts: list[str]) -> str:
    """The characters of a base glyph and its marks in the order they are typed: the glyphs come in the order the
    font draws them (a tone mark before a lower vowel, the nikhahit of sara am before the tone mark)."""
    base, marks = texts[0], texts[1:]
    sara_am = len(marks) >= 2 and marks[-1] == SARA_AA and NIKHAHIT in marks[:-1]
    if sara_am:
        marks = list(marks[:-1])
        marks.remove(NIKHAHIT)
    ordered = sorted(marks, key=lambda text: _MARK_RANK.get(text[:1], 0))
    return base + "".join(ordered) + (SARA_AM if sara_am else "")


def _member_texts(texts: list[str]) -> list[str]:
    """What each glyph of a cluster stands for: the base glyph the consonant and its marks, the marks nothing;
    the sara aa of a sara am (a glyph with its own advance, where a reader expects a character) the ำ."""
    whole = _cluster_text(texts)
    out = [whole] + [""] * (len(texts) - 1)
    if whole.endswith(SARA_AM) and texts[-1] == SARA_AA:
        out[0], out[-1] = whole[:-1], SARA_AM
    return out


def _join_clusters(pdf, fixes: dict[bytes, _FontFix]) -> dict[int, list]:
    """Show each Thai consonant and its marks as one character code meaning the whole cluster, in typing order,
    the marks as codes meaning nothing; a move after a member becomes part of its code's advance. Returns the
    changed content, {id(stream): (stream, [(item index, new bytes)])}: nothing in the PDF is changed here."""
    changes: dict[int, tuple] = {}
    for stream in _content_streams(pdf):
        items = stream.stream
        parsed: dict[int, list[list]] = {}
        changed: set[int] = set()
        # (item index, part index, glyph) of the current cluster; a number after a member to fold into it
        cluster: list[tuple[int, int, int]] = []
        fix: _FontFix | None = None

        def finish():
            nonlocal cluster
            members, cluster = cluster, []
            if fix is None or len(members) < 2:
                return
            texts = [fix.text(glyph) for _i, _p, glyph in members]
            if _is_mark(texts[0]) or not _is_thai("".join(texts)):
                return
            meanings = _member_texts(texts)
            for position, (index, part, glyph) in enumerate(members):
                parts, part = parts_of(index, part)
                advance = float(fix.font.widths.get(glyph, 0))
                following = parts[part + 1] if part + 1 < len(parts) else None
                if following is not None and following[0] == "n":
                    advance -= following[1]
                    following[0] = "drop"
                code = fix.code_for(glyph, meanings[position], advance)
                if code is None:
                    return
                parts[part][1] = code
                changed.add(index)

        def parts_of(index: int, part: int) -> tuple[list[list], int]:
            """The item's parts, parsed when first needed; a part of -1 is the item's last glyph."""
            parts = parsed.get(index)
            if parts is None:
                parts = parsed[index] = _parse_tj(items[index])
            if part < 0:
                part = max(position for position, each in enumerate(parts) if each[0] == "g")
            return parts, part

        for index, item in enumerate(items):
            if not isinstance(item, bytes):
                finish()
                continue
            match = _TF.match(item)
            if match:
                finish()
                fix = fixes.get(match.group(1))
                if fix is not None and fix.cid_font is None:
                    fix = None
                continue
            if item.endswith(b" Ts"):
                continue  # a rise does not move along the line: a cluster goes on across it
            if fix is None or not item.endswith(b" TJ"):
                finish()
                continue
            body = item[:-3].strip()
            if _TJ_WELL_FORMED.fullmatch(body):
                # most runs (digits, Latin, a Thai word without marks) have no glyph that joins another: the
                # first glyph ends the cluster before it, the last one may begin the next; parsed only if it does
                glyphs = b"".join(_TJ_GLYPHS.findall(body))
                ids = struct.unpack(f">{len(glyphs) // 4}H", bytes.fromhex(glyphs.decode())) if glyphs else ()
                if not any(fix.may_join(glyph) for glyph in ids):
                    if ids:
                        finish()
                        cluster = [(index, -1, ids[-1])]
                    continue
            parts = _parse_tj(item)
            if parts is None:
                finish()
                continue
            parsed[index] = parts
            for part_index, part in enumerate(parts):
                if part[0] != "g":
                    continue
                glyph = part[1]
                joins = bool(cluster) and (fix.is_mark(glyph) or (
                    fix.text(glyph) == SARA_AA and any(fix.text(g) == NIKHAHIT for _i, _p, g in cluster[1:])))
                if cluster and joins:
                    cluster.append((index, part_index, part[1]))
                else:
                    finish()
                    cluster = [(index, part_index, part[1])]
        finish()
        if changed:
            changes[id(stream)] = (stream, [(index, _format_tj([part for part in parsed[index] if part[0] != "drop"]))
                                            for index in sorted(changed)])
    return changes


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex()


def _rewrite_font(pdf, fix: _FontFix) -> None:
    import pydyf

    font = fix.font
    mapping = {glyph: fix.text(glyph) for glyph in font.to_unicode}
    for (_glyph, text, _advance), code in fix.extra.items():
        mapping[code] = text

    lines = [
        b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
        b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def", b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def", b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange",
    ]
    entries = sorted(mapping.items())
    for start in range(0, len(entries), 100):
        batch = entries[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines.extend(f"<{code:04x}> <{_utf16_hex(text)}>".encode() for code, text in batch)
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    fix.to_unicode.stream = lines

    if fix.extra:
        cid_font = fix.cid_font
        gids = list(range(max(fix.extra.values()) + 1))
        for (glyph, _text, _advance), code in fix.extra.items():
            gids[code] = glyph
        cid_map = pydyf.Stream([b"".join(min(gid, 0xFFFF).to_bytes(2, "big") for gid in gids)],
                               compress=getattr(fix.to_unicode, "compress", False))
        pdf.add_object(cid_map)
        cid_font["CIDToGIDMap"] = cid_map.reference
        widths = cid_font["W"]
        for (_glyph, _text, advance), code in sorted(fix.extra.items(), key=lambda pair: pair[1]):
            widths.append(code)
            widths.append(pydyf.Array([round(advance, 4)]))


def fix_text_map(document, pdf) -> None:
    """WeasyPrint finisher: correct every vector font's text map (see the module's docstring). Everything is
    worked out first and written into the PDF's objects last, so a failure leaves WeasyPrint's PDF untouched."""
    try:
        fixes = _font_fixes(document, pdf)
        if not fixes:
            return
        changes = _join_clusters(pdf, fixes)
    except Exception:  # never lose a document over its copy-and-paste text
        LOGGER.exception("could not correct the PDF's text map; the document keeps WeasyPrint's")
        return
    for stream, items in changes.values():
        for index, item in items:
            stream.stream[index] = item
    for fix in fixes.values():
        _rewrite_font(pdf, fix)
