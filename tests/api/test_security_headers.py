"""Security headers on every response (backend/api/security_headers.py) and CORS, off unless configured."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import re

import httpx
from PIL import Image

from backend.app import create_app
from backend.core.permissions import Role
from tests.conftest import make_settings
from tests.files.test_attachments import LIST, job, storage_dir, upload  # noqa: F401 - fixtures

STRICT = {
    "default-src": ["'self'"], "script-src": ["'self'"], "img-src": ["'self'", "data:", "blob:"],
    "object-src": ["'none'"], "base-uri": ["'self'"], "form-action": ["'self'"], "frame-ancestors": ["'none'"],
}


def policy(response) -> dict[str, list[str]]:
    parsed = {}
    for directive in response.headers["content-security-policy"].split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def assert_strict(response, host="testserver"):
    csp = policy(response)
    for name, values in STRICT.items():
        assert csp[name] == values, (response.request.url, name, csp[name])
    assert csp["connect-src"] == ["'self'", f"ws://{host}", f"wss://{host}"]
    assert "'unsafe-inline'" not in csp["style-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in response.headers  # not outside production


def built(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><title>MotoTrack</title><script type="module" '
                                     'src="/assets/main.js"></script><div id="app"></div>')
    (dist / "portal.html").write_text('<!doctype html><meta name="referrer" content="no-referrer"><div id="portal">'
                                      '</div><script type="module" src="/assets/portal.js"></script>')
    (dist / "assets" / "main.js").write_text("export {};")
    return dist


async def test_the_app_the_api_and_a_server_page_carry_the_strict_policy(client):
    page = await client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert_strict(page)
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert page.headers["x-frame-options"] == "DENY"
    api = await client.post("/graphql", json={"query": "{ __typename }"})
    assert api.status_code == 200
    assert_strict(api)
    assert api.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert_strict(await client.get("/healthz"))

    # a page the server writes itself: its inline style is allowed by its hash alone
    gone = await client.get("/unsubscribe?t=nonsense")
    assert "text/html" in gone.headers["content-type"]
    assert_strict(gone)
    styles = [html.unescape(s) for s in re.findall(r'style="([^"]*)"', gone.text)]
    assert styles, "the unsubscribe page has an inline style to allow"
    csp = policy(gone)
    for style in styles:
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["style-src"]
    assert "'unsafe-hashes'" in csp["style-src"]


async def test_graphiql_keeps_working_outside_production_and_only_it_is_looser(client, database_url):
    ide = await client.get("/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    csp = policy(ide)
    assert "https://unpkg.com" in csp["script-src"] and "'unsafe-inline'" in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    # every script the page loads comes from a source its policy allows
    for src in re.findall(r'<script[^>]*src="([^"]+)"', ide.text):
        assert src.startswith("https://unpkg.com/") or src.startswith("/"), src
    query = await client.get("/graphql", params={"query": "{ __typename }"})  # a GET query is not the IDE
    assert query.status_code == 200
    assert_strict(query)


async def test_the_portal_never_sends_a_referrer_and_production_adds_hsts(database_url, tmp_path):
    app = create_app(make_settings(database_url, pwa_dist=str(built(tmp_path)), env="production"))
    try:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 12345))
        async with httpx.AsyncClient(transport=transport, base_url="https://mototrack.example") as client:
            for path in ("/p/", "/p/abc", "/", "/healthz", "/assets/main.js"):
                response = await client.get(path)
                assert response.status_code == 200, path
                csp = policy(response)
                assert csp["script-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"], path
                assert csp["connect-src"] == ["'self'", "ws://mototrack.example", "wss://mototrack.example"]
                assert response.headers["strict-transport-security"].startswith("max-age=63072000"), path
                expected = "no-referrer" if path.startswith("/p/") else "strict-origin-when-cross-origin"
                assert response.headers["referrer-policy"] == expected, path
            portal = await client.get("/p/abc")
            assert 'id="portal"' in portal.text
            assert (await client.post("/portal/graphql", json={"query": "{ __typename }"})).headers[
                "referrer-policy"] == "no-referrer"
            ide = await client.get("/graphql", headers={"Accept": "text/html"})  # no GraphiQL in production
            assert "unpkg.com" not in ide.text and "'unsafe-inline'" not in ide.headers["content-security-policy"]
            hostile = await client.get("/healthz", headers={"Host": "evil.example; script-src *"})
            assert "evil" not in hostile.headers["content-security-policy"]  # a Host that is no host is left out
    finally:
        await app.state.services.db.dispose()


async def test_a_file_link_keeps_its_sandbox_and_gets_the_other_headers(client, gql, garage, job, storage_dir):
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(image, "JPEG")
    made = await upload(client, garage.token(Role.TECHNICIAN), job.id, image.getvalue())
    assert made.status_code == 201, made.text
    assert made.headers["x-content-type-options"] == "nosniff"
    body = await gql(LIST, {"id": str(job.id)}, token=garage.token(Role.SITE_MANAGER))
    [listed] = body["data"]["job"]["attachments"]
    served = await client.get(listed["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"  # its own, stricter
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["referrer-policy"] == "strict-origin-when-cross-origin"


PREFLIGHT = {"Origin": "https://erp.example.com", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type"}


async def test_cors_is_off_by_default(client):
    preflight = await client.options("/graphql", headers=PREFLIGHT)
    assert preflight.status_code >= 400
    assert "access-control-allow-origin" not in preflight.headers
    call = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://erp.example.com"})
    assert "access-control-allow-origin" not in call.headers


async def test_cors_allows_a_configured_origin_and_no_other(database_url):
    app = create_app(make_settings(database_url, cors_allowed_origins="https://erp.example.com, https://b.example/"))
    try:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 12345))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            preflight = await client.options("/graphql", headers=PREFLIGHT)
            assert preflight.status_code == 200
            assert preflight.headers["access-control-allow-origin"] == "https://erp.example.com"
            assert "POST" in preflight.headers["access-control-allow-methods"]
            assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
            assert "access-control-allow-credentials" not in preflight.headers  # bearer tokens, never cookies
            call = await client.post("/graphql", json={"query": "{ __typename }"},
                                     headers={"Origin": "https://b.example"})
            assert call.status_code == 200 and call.headers["access-control-allow-origin"] == "https://b.example"
            assert_strict(call)
            other = await client.options("/graphql", headers={**PREFLIGHT, "Origin": "https://evil.example"})
            assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    finally:
        await app.state.services.db.dispose()
