"""Documents built to stall the server are refused before validation work proportional to their expansion,
with a localized error, signed in or not; the request body is capped before parsing; only documents that passed
validation are cached, within a byte bound. (How fast the refusals are is measured by bench/hostile_documents.py.)
"""

from __future__ import annotations

import contextlib
import json

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from backend.app import create_app
from tests.conftest import make_settings

TOO_COMPLEX_EN = "The request is too large or too complex. Ask for fewer fields, or split it into several requests."
TOO_COMPLEX_TH = "คำขอมีขนาดใหญ่หรือซับซ้อนเกินไป กรุณาขอข้อมูลให้น้อยลง หรือแบ่งเป็นหลายคำขอ"


# ---------------------------------------------------------------------------------------------- the documents


def fragment_bomb(levels: int = 30) -> str:
    """Each fragment spreads the next one twice: 2^levels paths from a few hundred tokens."""
    parts = ["query Bomb { garage { ...F0 } }"]
    parts += [f"fragment F{i} on Garage {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on Garage {{ name }}")
    return " ".join(parts)


def fragment_alias_bomb(levels: int = 10) -> str:
    """10 aliases spread 2^10 times: 10,240 aliases from ~400 tokens."""
    parts = ["{ garage { ...F0 } }"]
    parts += [f"fragment F{i} on Garage {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on Garage {{ " + " ".join(f"a{j}: name" for j in range(10)) + " }")
    return " ".join(parts)


def many_aliases(count: int = 10_000) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


def many_tokens(count: int = 50_000) -> str:
    return "{" + " a" * count + " }"


def tokens_under_length_limit(count: int = 40_000) -> str:
    """40,000 tokens in 80 KB: under the length limit, so the token limit is what stops it."""
    return "{" + " a" * count + " }"


def repeated_directive(count: int = 300) -> str:
    return "{ __typename " + " ".join("@skip(if: false)" for _ in range(count)) + " }"


def repeated_short_directive(count: int = 300) -> str:
    """The same, within the token limit (600 tokens), so the parser accepts it."""
    return "{ __typename " + " @x" * count + " }"


def skipped_fields(count: int = 300) -> str:
    return "{ " + " ".join(f"f{i}: __typename @skip(if: true)" for i in range(count)) + " }"


def skipped_fields_in_token_limit(count: int = 240) -> str:
    return "query($v: Boolean!) { " + " ".join("__typename @skip(if: $v)" for _ in range(count)) + " }"


def deep_nesting(levels: int = 600) -> str:
    return "{ " + "me { garage { " * levels + "name" + " }" * (2 * levels) + " }"


def deep_nesting_in_token_limit(levels: int = 40) -> str:
    return "{ " + "me { garage { " * levels + "name" + " }" * (2 * levels) + " }"


HOSTILE = {
    "fragment bomb (2^30 paths)": fragment_bomb(),
    "fragment alias bomb (10,240 aliases)": fragment_alias_bomb(),
    "10,000 aliases": many_aliases(),
    "50,000 tokens": many_tokens(),
    "40,000 tokens under the length limit": tokens_under_length_limit(),
    "one directive 300 times": repeated_directive(),
    "one short directive 300 times": repeated_short_directive(),
    "300 fields with @skip": skipped_fields(),
    "240 fields with @skip (in the token limit)": skipped_fields_in_token_limit(),
    "deep nesting (1,200 levels)": deep_nesting(),
    "deep nesting (80 levels, in the token limit)": deep_nesting_in_token_limit(),
}


# ---------------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
async def test_hostile_document_is_refused_before_validation(app, client, garage, name, signed_in):
    cache = app.state.document_cache
    query = HOSTILE[name]
    headers = {"Authorization": f"Bearer {garage.token()}"} if signed_in else {}
    validations, kept = cache.validations, len(cache)
    r = await client.post("/graphql", json={"query": query, "variables": {"v": True}}, headers=headers)
    body = r.json()
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX", error
    assert error["message"].startswith(TOO_COMPLEX_EN), error
    assert cache.validations == validations  # refused before the full validation ran
    assert len(cache) == kept and query not in cache


@pytest.mark.parametrize("name", ["fragment bomb (2^30 paths)", "50,000 tokens", "one short directive 300 times",
                                  "deep nesting (80 levels, in the token limit)"])
async def test_refusal_is_in_thai_for_a_thai_client(gql, name):
    body = await gql(HOSTILE[name], {"v": True}, lang="th", expect_errors=True)
    [error] = body["errors"]
    assert error["message"] == TOO_COMPLEX_TH
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_graphql_answers_over_get_are_limited_too(client):
    r = await client.get("/graphql", params={"query": fragment_bomb()})
    assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_fragments_within_the_limits_still_work(gql, garage):
    query = ("{ garage { ...A } } fragment A on Garage { ...B x: name } fragment B on Garage { name currency }")
    body = await gql(query, token=garage.token())
    assert body["data"]["garage"] == {"name": "Garage One", "currency": body["data"]["garage"]["currency"],
                                      "x": "Garage One"}
    # two skips and an include on the same selection are fine
    body = await gql("query($v: Boolean!) { garage { name @skip(if: $v) @include(if: true) currency } }",
                     {"v": True}, token=garage.token())
    assert "name" not in body["data"]["garage"]


@pytest.mark.parametrize("query, detail", [
    ("{ garage { ...Missing } }", "Unknown fragment 'Missing'."),
    ("{ garage { ...A } } fragment A on Garage { ...B } fragment B on Garage { ...A }",
     "Cannot spread fragment 'A' within itself."),
])
async def test_unknown_and_cyclic_fragments_are_refused_as_invalid(gql, garage, query, detail):
    body = await gql(query, token=garage.token(), expect_errors=True)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["extensions"]["detail"] == detail


async def test_just_over_the_depth_and_alias_limits_is_refused_by_strawberrys_rules(gql, garage):
    deep = "{ " + "me { garage { " * 5 + "name" + " }" * 10 + " }"  # 11 levels, the limit is 10
    body = await gql(deep, token=garage.token(), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "maximum operation depth" in body["errors"][0]["extensions"]["detail"]
    body = await gql("{ ...A } fragment A on Query { " + " ".join(f"a{i}: __typename" for i in range(31)) + " }",
                     token=garage.token(), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "aliases" in body["errors"][0]["extensions"]["detail"]


# ---------------------------------------------------------------------------------------------- request size


@pytest.fixture
async def small_app(app):
    small = create_app(make_settings(app.state.services.settings.database_url, max_request_bytes=4096,
                                     document_cache_bytes=64 * 1024))
    yield small
    await small.state.services.db.dispose()


async def test_a_body_over_the_cap_is_refused_with_413_before_parsing(small_app):
    cache = small_app.state.document_cache
    transport = httpx.ASGITransport(app=small_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        big = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * 5000}})
        r = await c.post("/graphql", content=big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert r.json() == {"errors": [{
            "message": "The request is larger than the server accepts (4 KB at most).",
            "extensions": {"code": "REQUEST_TOO_LARGE", "limit": 4096}}]}
        r = await c.post("/graphql", content=big, headers={"Content-Type": "application/json",
                                                           "Accept-Language": "th"})
        assert r.status_code == 413
        assert r.json()["errors"][0]["message"] == "คำขอมีขนาดใหญ่เกินกว่าที่เซิร์ฟเวอร์รับได้ (ไม่เกิน 4 KB)"

        async def chunks():  # no Content-Length: the cap counts what arrives
            for _ in range(10):
                yield b" " * 1000

        r = await c.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and r.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
        r = await c.post("/graphql", content=big, headers={"Content-Type": "application/json",
                                                           "Accept": "application/graphql-response+json"})
        assert r.status_code == 413 and r.headers["content-type"].startswith("application/graphql-response+json")
        # under the cap the same request is answered
        r = await c.post("/graphql", json={"query": "{ __typename }", "variables": {"pad": "x" * 3000}})
        assert r.status_code == 200 and r.json() == {"data": {"__typename": "Query"}}
    assert cache.parses == 1


@contextlib.asynccontextmanager
async def signed_in_socket(app, token: str):
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://t") as client, \
            aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_text(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.receive_text())["type"] == "connection_ack"
        yield ws


async def test_a_websocket_message_over_the_cap_closes_with_1009(small_app, garage):
    async with signed_in_socket(small_app, garage.token()) as ws:
        await ws.send_text(json.dumps({"id": "1", "type": "subscribe",
                                       "payload": {"query": "{ __typename }", "variables": {"p": "x" * 5000}}}))
        with pytest.raises(WebSocketDisconnect) as info:
            await ws.receive_text()
        assert info.value.code == 1009


async def test_a_hostile_document_over_a_websocket_is_refused_too(app, garage):
    async with signed_in_socket(app, garage.token()) as ws:
        await ws.send_text(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": fragment_bomb()}}))
        message = json.loads(await ws.receive_text())
        assert message["type"] in ("error", "next"), message
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


# ---------------------------------------------------------------------------------------------- the cache


async def test_refused_documents_are_not_kept(app, gql, garage):
    cache = app.state.document_cache
    for query in ("{ garage { nope } }", "{ garage { ", fragment_bomb(12)):
        await gql(query, token=garage.token(), expect_errors=True)
        assert query not in cache
    ok = "{ garage { name } }"
    await gql(ok, token=garage.token())
    assert ok in cache


async def test_the_cache_stays_within_its_byte_bound(small_app, garage):
    """40 distinct large texts that pass validation (a long comment each) do not grow the cache past its bound;
    the most recent ones are kept, the oldest dropped."""
    cache = small_app.state.document_cache
    transport = httpx.ASGITransport(app=small_app)
    texts = [f"# {i} {'x' * 3000}\n{{ __typename }}" for i in range(40)]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        for text in texts:
            r = await c.post("/graphql", json={"query": text}, headers={"Authorization": f"Bearer {garage.token()}"})
            assert r.json() == {"data": {"__typename": "Query"}}
            assert cache.bytes <= cache.max_bytes
    assert 0 < len(cache) < 40
    assert texts[-1] in cache and texts[0] not in cache


async def test_big_texts_never_reach_the_cache(app, client):
    """Distinct 5 MB texts: refused by the body cap (default 1 MB), nothing parsed or kept."""
    cache = app.state.document_cache
    parses, kept = cache.parses, len(cache)
    for i in range(40):
        text = f"# {i}" + "x" * (5 * 1024 * 1024) + "\n{ __typename }"
        r = await client.post("/graphql", json={"query": text})
        assert r.status_code == 413
    assert (cache.parses, len(cache)) == (parses, kept)


async def test_too_many_tokens_is_refused_before_the_parser_runs(app, gql, garage):
    cache = app.state.document_cache
    parses = cache.parses
    body = await gql(tokens_under_length_limit(), expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert cache.parses == parses
    # words inside a comment or a string are one token each: such a document is not refused
    words = " ".join(["word"] * 3000)
    body = await gql(f'query {{ garage {{ name }} }} # {words}\n', token=garage.token())  # a comment: one token
    assert body["data"]["garage"]["name"] == "Garage One"
    ok = await gql('query($s: String) { customers(search: "' + words + '") { edges { node { id } } } }',
                   token=garage.token(), expect_errors=True)
    assert "QUERY_TOO_COMPLEX" not in str(ok), ok


async def test_a_refused_text_is_reported_as_is_whatever_operation_name_is_asked(client):
    r = await client.post("/graphql", json={"query": "query Named { garage { ", "operationName": "Named"})
    assert r.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    r = await client.post("/graphql", json={"query": fragment_bomb(), "operationName": "Other"})
    assert r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
