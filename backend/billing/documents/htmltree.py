"""The element tree of a billing document's HTML, built by the standard library's HTMLParser.

WeasyPrint parses a document with tinyhtml5, a pure-Python HTML5 parser: a sixth of the render of a 30-line invoice
went to it. The billing templates (templates/billing/*.html) are written by us and use a small, well-formed part of
HTML: every element closed except the void ones, html/head/body written out, tables whose rows sit in a thead or
tbody except the small tables of facts and totals. `parse` builds the tree an HTML5 parser builds from them:

* the void elements (meta, br, img) closed at once;
* a row directly in a table put in an implied tbody (closed with the table);
* the white space before <head> dropped, the one after </head> on the head's tail, and everything after </body>
  appended to the body's content, as the HTML5 tree construction places them.

Anything outside that subset (a stray end tag, an element closed by another's end, text outside the body, a
processing instruction) raises Unsupported, and the caller falls back to WeasyPrint's own parser: the tree is
never guessed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = frozenset({"meta", "br", "img", "hr", "link", "col", "wbr"})


class Unsupported(ValueError):
    """HTML outside the subset the billing templates use."""


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: ET.Element | None = None
        self.stack: list[ET.Element] = []
        self.last: ET.Element | None = None  # the element whose tail takes the next text (None: the parent's text)
        self.body_closed = False
        self.html_closed = False
        self.implied: set[int] = set()  # id() of the tbody elements the parser added

    # text ------------------------------------------------------------------------------------------------------

    def _append_text(self, data: str) -> None:
        if self.last is not None:
            self.last.tail = (self.last.tail or "") + data
        else:
            parent = self.stack[-1]
            parent.text = (parent.text or "") + data

    def handle_data(self, data: str) -> None:
        if not self.stack:
            if data.strip():
                raise Unsupported("text outside the document element")
            return  # white space before <html> or after </html> (after </body>: see below)
        current = self.stack[-1]
        if self.body_closed:
            if data.strip():
                raise Unsupported("text after </body>")
            self._after_body_text(data)
            return
        if current.tag == "html":
            if data.strip():
                raise Unsupported("text directly in <html>")
            if len(current) == 0:
                return  # before <head>: dropped
            # after </head>: on the head's tail (before <body>)
            if current[-1].tag != "head" or len(current) > 1:
                raise Unsupported("white space after <body> in <html>")
        self._append_text(data)

    def _after_body_text(self, data: str) -> None:
        body = self.root.find("body") if self.root is not None else None
        if body is None:
            raise Unsupported("no body")
        if len(body):
            last = body[-1]
            last.tail = (last.tail or "") + data
        else:
            body.text = (body.text or "") + data

    # elements --------------------------------------------------------------------------------------------------

    def _open(self, tag: str, attrs) -> ET.Element:
        attributes = {name: "" if value is None else value for name, value in attrs}
        if self.root is None:
            if tag != "html":
                raise Unsupported("the document does not start with <html>")
            element = self.root = ET.Element(tag, attributes)
        else:
            if not self.stack or self.body_closed:
                raise Unsupported(f"<{tag}> outside the document")
            element = ET.SubElement(self.stack[-1], tag, attributes)
        self.stack.append(element)
        self.last = None
        return element

    def _close(self, tag: str) -> None:
        if not self.stack or self.stack[-1].tag != tag:
            raise Unsupported(f"</{tag}> does not close the open element")
        self.last = self.stack.pop()

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "tr" and self.stack and self.stack[-1].tag == "table":
            self.implied.add(id(self._open("tbody", [])))
        if tag in ("table", "tbody", "thead", "tfoot") and self.stack and id(self.stack[-1]) in self.implied:
            raise Unsupported("a table section after rows outside one")
        self._open(tag, attrs)
        if tag in VOID:
            self._close(tag)

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag not in VOID:
            raise Unsupported(f"<{tag}/> is not a void element")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            raise Unsupported(f"</{tag}>")
        if tag == "table" and self.stack and id(self.stack[-1]) in self.implied:
            self._close("tbody")
        if tag == "body":
            self._close("body")
            self.body_closed = True
            return
        if tag == "html":
            if not self.body_closed:
                raise Unsupported("</html> before </body>")
            self.html_closed = True
            return
        self._close(tag)

    def handle_comment(self, data: str) -> None:
        raise Unsupported("comment")

    def handle_pi(self, data: str) -> None:
        raise Unsupported("processing instruction")

    def unknown_decl(self, data: str) -> None:
        raise Unsupported("declaration")

    def handle_decl(self, decl: str) -> None:
        if decl.lower() != "doctype html" or self.root is not None:
            raise Unsupported("doctype")


def parse(html: str) -> ET.Element:
    """The document element of `html` (see the module's docstring), or Unsupported."""
    builder = _Builder()
    builder.feed(html)
    builder.close()
    if builder.root is None or not builder.html_closed or len(builder.stack) != 1:
        raise Unsupported("the document is not closed")
    if [child.tag for child in builder.root] != ["head", "body"]:
        raise Unsupported("html/head/body not written out")
    return builder.root
