"""Responses compressed over real HTTP (uvicorn on 127.0.0.1): brotli or gzip for a client that accepts it, with
`Vary: Accept-Encoding`; nothing for one that does not; the body decodes to the same bytes; small responses, PDFs and
images go out as they are. Both databases."""

from __future__ import annotations

import gzip
import os

import brotli
import pytest

from backend.app import create_app
from tests.accounts.test_hardening_proxies import serve
from tests.billing.test_documents import link
from tests.billing.test_thai_documents import add_customer, corporate, draft, thai_vat_garage
from tests.conftest import make_settings

INTROSPECTION = "{ __schema { types { name fields { name } } } }"


async def raw_get(http, url, encoding, **kw):
    """(status, headers, the body as it crossed the wire)."""
    async with http.stream("GET", url, headers={"Accept-Encoding": encoding}, **kw) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response.status_code, response.headers, body


def decoded(headers, body: bytes) -> bytes:
    encoding = headers.get("content-encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None, encoding
    return body


async def test_graphql_json_is_compressed_for_a_client_that_accepts_it(app, garage):
    token = garage.token()
    async with serve(app) as http:
        async def graphql(encoding):
            async with http.stream("POST", "/graphql", json={"query": INTROSPECTION},
                                   headers={"Accept-Encoding": encoding, "Authorization": f"Bearer {token}"}) as r:
                return r.status_code, r.headers, b"".join([c async for c in r.aiter_raw()])

        status, plain_headers, plain = await graphql("identity")
        assert status == 200 and len(plain) > 10_000 and b'"__schema"' in plain
        assert "content-encoding" not in plain_headers and "accept-encoding" in plain_headers["vary"].lower()
        for accept, expected in (("gzip", "gzip"), ("gzip, deflate, br", "br"), ("br;q=0, gzip", "gzip"),
                                 ("br;q=0.5, gzip;q=0.9", "gzip"), ("*", "br")):
            status, headers, wire = await graphql(accept)
            assert status == 200 and headers["content-encoding"] == expected, accept
            assert "accept-encoding" in headers["vary"].lower()
            assert decoded(headers, wire) == plain and len(wire) < len(plain) / 4, accept
            assert int(headers["content-length"]) == len(wire)
        for accept in ("", "identity", "gzip;q=0, br;q=0", "deflate"):  # refuses both
            status, headers, wire = await graphql(accept)
            assert "content-encoding" not in headers and wire == plain, accept

        status, headers, body = await raw_get(http, "/healthz", "gzip, br")  # too small to gain
        assert status == 200 and "content-encoding" not in headers and body == b'{"status":"ok"}'


@pytest.fixture
def pwa_dist(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>MotoTrack</title>" + "<!-- padding -->" * 200)
    script = "".join(f"export function screen{i}(props){{return h('div',{{class:'card-{i}'}},props.title);}}\n"
                     for i in range(2000))
    (dist / "assets" / "index-abc123.js").write_text(script)
    (dist / "assets" / "icon.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(20_000))
    return dist


async def test_pwa_static_files_are_compressed_and_images_are_not(database_url, pwa_dist):
    app = create_app(make_settings(database_url, pwa_dist=str(pwa_dist)))
    script = (pwa_dist / "assets" / "index-abc123.js").read_bytes()
    try:
        async with serve(app) as http:
            status, headers, plain = await raw_get(http, "/assets/index-abc123.js", "identity")
            assert status == 200 and plain == script and "content-encoding" not in headers
            assert "accept-encoding" in headers["vary"].lower()
            etags = {headers["etag"]}
            for accept, expected in (("gzip", "gzip"), ("br, gzip", "br")):
                status, headers, wire = await raw_get(http, "/assets/index-abc123.js", accept)
                assert status == 200 and headers["content-encoding"] == expected
                assert "accept-encoding" in headers["vary"].lower()
                assert decoded(headers, wire) == script and len(wire) < len(script) / 5
                etags.add(headers["etag"])
            assert len(etags) == 3  # one ETag per representation
            status, headers, body = await raw_get(http, "/", "gzip, br")  # index.html
            assert headers.get("content-encoding") in ("br", "gzip") and b"MotoTrack" in decoded(headers, body)
            status, headers, body = await raw_get(http, "/assets/icon.png", "gzip, br")
            assert status == 200 and "content-encoding" not in headers
            assert body == (pwa_dist / "assets" / "icon.png").read_bytes()
    finally:
        await app.state.services.db.dispose()


async def test_a_pdf_goes_out_as_it_is(app, garage):
    _head, branch = await thai_vat_garage(app, garage)
    customer, _vehicle = await add_customer(app, garage, **corporate())
    invoice = await draft(app, garage, branch, customer)
    async with serve(app) as http:
        status, headers, body = await raw_get(http, link("invoice", invoice.id, garage), "gzip, br")
    assert status == 200 and headers["content-type"] == "application/pdf"
    assert "content-encoding" not in headers and body.startswith(b"%PDF-")
