"""Trusted documents: the app's operations by id (HTTP POST and GET, WebSocket), unknown ids refused in the
reader's language, no pricing for a trusted text while arbitrary texts keep every limit."""

from __future__ import annotations

import asyncio
import hashlib
import json

import httpx
import pytest
import pytest_asyncio
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from backend.api.trusted import TrustedDocuments
from backend.app import create_app
from backend.core.permissions import Role
from tests.conftest import make_garage, make_settings

ME = "query Me { me { id role } }"
# more aliases than an arbitrary document may carry (max_aliases 30): only trusted, it passes
MANY_ALIASES = "query ManyNames { " + " ".join(f"a{i}: me {{ id }}" for i in range(40)) + " }"
GARAGE_LIVE = "subscription GarageName { __typename }"
# the portal page's operations are in the same build's manifest; /portal/graphql answers only those
PORTAL_JOB = "query PortalJob { portal { job { number } } }"
PORTAL_LIVE = "subscription PortalLive { portalJob { status } }"
JOB_NOTE = ("mutation AddJobNote($input: AddJobNoteInput!) { addJobNote(input: $input) "
            "{ job { id } errors { field code message } } }")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest_asyncio.fixture(scope="module")
async def trusted_app(database_url, tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_text("<!doctype html><title>MotoTrack</title>")
    documents = {digest(text): text for text in (ME, MANY_ALIASES, JOB_NOTE, PORTAL_JOB, PORTAL_LIVE)}
    (dist / "trusted-documents.json").write_text(json.dumps({"version": 1, "documents": documents}))
    app = create_app(make_settings(database_url, pwa_dist=dist))
    yield app
    await app.state.services.db.dispose()


@pytest_asyncio.fixture
async def world(trusted_app):
    return await make_garage(trusted_app, "Trusted Garage")


@pytest_asyncio.fixture
async def http(trusted_app):
    transport = httpx.ASGITransport(app=trusted_app, client=("127.0.0.1", 23456))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def auth(world, role=Role.ADMIN, **headers) -> dict:
    return {"Authorization": f"Bearer {world.token(role)}", **headers}


async def test_a_trusted_document_runs_by_id_over_post_and_get(http, world, trusted_app):
    body = (await http.post("/graphql", json={"documentId": f"sha256:{digest(ME)}", "operationName": "Me"},
                            headers=auth(world, Role.TECHNICIAN))).json()
    assert body == {"data": {"me": {"id": str(world.users[Role.TECHNICIAN].id), "role": "TECHNICIAN"}}}
    response = await http.get("/graphql", params={"documentId": f"sha256:{digest(ME)}"},
                            headers=auth(world, Accept="application/json"))
    assert response.json()["data"]["me"]["role"] == "ADMIN"
    assert len(trusted_app.state.trusted_documents) == 5


async def test_a_mutation_by_id_keeps_its_rules(http, world):
    body = (await http.post("/graphql", json={"documentId": f"sha256:{digest(JOB_NOTE)}", "variables": {
        "input": {"jobId": "not-an-id", "note": "x"}}}, headers=auth(world))).json()
    payload = body["data"]["addJobNote"]
    assert payload["job"] is None and payload["errors"][0]["code"] in ("NOT_FOUND", "INVALID_ID")


async def test_an_unknown_id_is_refused_in_the_readers_language(http, world):
    for lang, word in (("en", "Reload the app"), ("th", "\u0e41\u0e2d\u0e1b")):
        response = await http.post("/graphql", json={"documentId": "sha256:" + "0" * 64},
                                   headers=auth(world, **{"Accept-Language": lang}))
        body = response.json()
        assert response.status_code == 200 and body["data"] is None
        error = body["errors"][0]
        assert error["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_FOUND" and word in error["message"], error
    # the GraphQL-over-HTTP media type: a request that never executed is a 400
    response = await http.post("/graphql", json={"documentId": "md5:abc"}, headers=auth(
        world, Accept="application/graphql-response+json"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_FOUND"


async def test_trusted_texts_are_not_priced_and_validated_once(http, world, trusted_app):
    cache = trusted_app.state.document_cache
    before = cache.validations
    for _ in range(3):
        body = (await http.post("/graphql", json={"documentId": f"sha256:{digest(MANY_ALIASES)}"},
                                headers=auth(world))).json()
        assert "errors" not in body and len(body["data"]) == 40
    assert cache.validations - before == 1
    # the same shape from an integrator, not in the manifest, keeps the alias limit
    arbitrary = MANY_ALIASES.replace("ManyNames", "Mine")
    body = (await http.post("/graphql", json={"query": arbitrary}, headers=auth(world))).json()
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_a_subscribe_message_may_name_a_document(trusted_app, world):
    transport = ASGIWebSocketTransport(app=trusted_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client, \
            aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_text(json.dumps({"type": "connection_init",
                                       "payload": {"Authorization": f"Bearer {world.token(Role.BILLING)}"}}))
        assert json.loads(await ws.receive_text())["type"] == "connection_ack"
        await ws.send_text(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "", "documentId": f"sha256:{digest(ME)}"}}))
        message = json.loads(await ws.receive_text())
        assert message["type"] == "next" and message["payload"]["data"]["me"]["role"] == "BILLING"
        assert json.loads(await ws.receive_text()) == {"id": "1", "type": "complete"}
        await ws.send_text(json.dumps({"id": "2", "type": "subscribe", "payload": {
            "query": "", "documentId": "sha256:" + "f" * 64}}))
        message = json.loads(await ws.receive_text())
        assert message["type"] == "error" and message["id"] == "2"
        assert message["payload"][0]["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_FOUND"


def test_a_manifest_whose_hash_does_not_match_its_text_is_refused(tmp_path):
    (tmp_path / "trusted-documents.json").write_text(json.dumps({"version": 1, "documents": {
        digest(ME): ME.replace("role", "name")}}))
    with pytest.raises(ValueError, match="does not match"):
        TrustedDocuments.load(tmp_path)
    assert len(TrustedDocuments.load(tmp_path / "nowhere")) == 0  # an unbuilt app: its requests come as text


async def portal_token(trusted_app, world) -> tuple[str, str]:
    """A customer's portal link to a job in progress with a sent quote: (token, job)."""
    from backend.portal import service as portal_service
    from tests.portal.helpers import visit

    services = trusted_app.state.services
    v = await visit(services.db, world)
    async with services.db.transaction() as session:
        link = await portal_service.ensure_link(session, v.job)
        url = portal_service.portal_url(services.settings, link)
    return url.rsplit("#", 1)[1], v.job


async def test_the_portal_answers_its_own_documents_by_id_and_refuses_the_staff_apps(http, world, trusted_app):
    token, job = await portal_token(trusted_app, world)
    number = job.number
    customer = {"Authorization": f"Portal {token}"}
    body = (await http.post("/portal/graphql", json={"documentId": f"sha256:{digest(PORTAL_JOB)}"},
                            headers=customer)).json()
    assert body == {"data": {"portal": {"job": {"number": number}}}}
    for lang, unknown, elsewhere in (("en", "Reload the app", "not answered at this address"),
                                     ("th", "\u0e41\u0e2d\u0e1b", "\u0e17\u0e35\u0e48\u0e2d\u0e22\u0e39\u0e48\u0e19\u0e35\u0e49")):
        headers = {**customer, "Accept-Language": lang}
        [error] = (await http.post("/portal/graphql", json={"documentId": "sha256:" + "0" * 64},
                                   headers=headers)).json()["errors"]
        assert error["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_FOUND" and unknown in error["message"]
        # the staff app's Me, a document of the same build, is refused at the portal: nothing runs
        response = await http.post("/portal/graphql", json={"documentId": f"sha256:{digest(ME)}"}, headers=headers)
        assert response.json()["data"] is None
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_ALLOWED" and elsewhere in error["message"]
    # and the portal's document is refused at the staff endpoint, even with a staff sign-in
    [error] = (await http.post("/graphql", json={"documentId": f"sha256:{digest(PORTAL_JOB)}"},
                               headers=auth(world))).json()["errors"]
    assert error["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_ALLOWED"


async def test_the_portals_subscription_by_id(trusted_app, world):
    from backend.workshop.service.common import job_channel

    token, job = await portal_token(trusted_app, world)
    channel, job_id = job_channel(job.garage_id, job.id), job.id
    transport = ASGIWebSocketTransport(app=trusted_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client, \
            aconnect_ws("/portal/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_text(json.dumps({"type": "connection_init", "payload": {"portalToken": token}}))
        assert json.loads(await ws.receive_text())["type"] == "connection_ack"
        await ws.send_text(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": "", "documentId": f"sha256:{digest(ME)}"}}))
        message = json.loads(await ws.receive_text())
        assert message["type"] == "error" and message["id"] == "1"
        assert message["payload"][0]["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_ALLOWED"
        await ws.send_text(json.dumps({"id": "2", "type": "subscribe", "payload": {
            "query": "", "documentId": f"sha256:{digest(PORTAL_LIVE)}"}}))
        pubsub = trusted_app.state.services.pubsub
        for _ in range(200):  # until the subscription listens on the job's channel
            if channel in pubsub._queues:
                break
            await asyncio.sleep(0.01)
        await pubsub.publish(channel, {"jobId": str(job_id)})
        message = json.loads(await asyncio.wait_for(ws.receive_text(), 5))
        assert message["type"] == "next" and message["payload"]["data"]["portalJob"]["status"] == "IN_PROGRESS"


def test_each_document_of_the_build_belongs_to_exactly_one_endpoint():
    """The PWA build's manifest (E2E_PWA_DIST, else pwa/dist) holds the staff app's and the portal page's operations:
    each is answered by id at exactly one endpoint, and the portal's five and the booking page's nine at
    /portal/graphql."""
    import os
    from pathlib import Path

    from backend.portal.schema import build_portal_schema
    from backend.schema import build_schema

    dist = Path(os.environ.get("E2E_PWA_DIST") or Path(__file__).resolve().parents[2] / "pwa" / "dist")
    if not (dist / "trusted-documents.json").is_file():
        pytest.skip(f"no PWA build in {dist}")
    manifest = TrustedDocuments.load(dist)
    portal, staff = manifest.for_schema(build_portal_schema()), manifest.for_schema(build_schema([]))
    assert len(portal) + len(staff) == len(manifest) and not portal.texts & staff.texts
    names = {text.split("(")[0].split("{")[0].split()[1] for text in portal.texts}
    assert names == {"Portal", "PortalJob", "SetPortalLocale", "RequestApprovalCode", "DecideQuote",
                     # the booking page (/b/), on the portal's endpoint with a booking link, and the portal's way in
                     "Booking", "BookingSlots", "RequestBookingCode", "BookAppointment", "MoveBooking",
                     "CancelBooking", "ConfirmBooking", "SetBookingLocale", "OpenBooking"}
    assert portal.elsewhere == frozenset(staff.documents) and len(staff) > 50
