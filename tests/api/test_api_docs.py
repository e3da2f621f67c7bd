"""The integrators' guide at /docs: built with the app from schema.graphql and docs/*.md, served under the CSP."""

import re
from html.parser import HTMLParser

import pytest
from graphql import GraphQLObjectType, build_schema

from backend.app import create_app  # noqa: F401 - the app the client fixture serves
from backend.core.settings import Settings
from backend.schema import schema

DIST = Settings().pwa_dist / "docs"
pytestmark = pytest.mark.skipif(not (DIST / "index.html").exists(),
                                reason="the PWA is not built (make pwa builds it with the API guide)")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.tags: list[str] = []
        self.inline_styles = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if "style" in attrs or tag == "style":
            self.inline_styles += 1


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


async def test_the_guide_explains_what_an_integrator_needs_and_obeys_the_csp(client):
    response = await client.get("/docs", follow_redirects=False)
    assert response.status_code == 308 and response.headers["location"] == "/docs/"
    response = await client.get("/docs/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "script-src" in response.headers["content-security-policy"]
    page = parse(response.text)
    for section in ("authentication", "lists-and-pagination", "errors", "writing-safely-clientmutationid",
                    "query-cost-and-budgets", "subscriptions", "webhooks"):
        assert section in page.ids, section
    assert "script" not in page.tags and page.inline_styles == 0  # nothing the CSP would block
    for href in {h for h in page.links if not h.startswith(("http", "#", "/graphql"))}:
        linked = await client.get("/docs/" + href.removeprefix("./"))
        assert linked.status_code == 200, href
    assert (await client.get("/docs/docs.css")).headers["content-type"].startswith("text/css")
    assert (await client.get("/docs/nothing-here")).status_code == 404


async def test_the_reference_lists_every_type_and_root_field_of_this_schema(client):
    """Made from the committed schema.graphql at build: a field added since the build (or a stale build) fails."""
    response = await client.get("/docs/reference")
    assert response.status_code == 200
    page = parse(response.text)
    live = build_schema(schema.as_str())
    for name, gtype in live.type_map.items():
        if name.startswith("__") or not isinstance(gtype, GraphQLObjectType):
            continue
        assert name.lower() in page.ids, f"type {name} is not in /docs/reference: rebuild the PWA (make pwa)"
    text = re.sub(r"<[^>]+>", " ", response.text)
    for field in live.query_type.fields:
        assert re.search(rf"\b{field}\b", text), field
