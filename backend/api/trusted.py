"""Trusted documents: the PWA's operations, known by hash from the build, sent by id instead of text.

The build writes `<dist>/trusted-documents.json` = `{"version": 1, "documents": {"<sha256 hex>": "<text>"}}`
(pwa/scripts/trusted-documents.mjs). A request names one as `{"documentId": "sha256:<hex>", "variables": ...,
"operationName": ...}` (the GraphQL-over-HTTP persisted-documents convention), over HTTP POST and GET and in a
graphql-transport-ws subscribe message (whose `query` is then empty). The text is looked up here and the request goes
on as if it had carried it; an id the manifest does not hold is refused with PERSISTED_DOCUMENT_NOT_FOUND (the PWA
then sends the text, as an app cached from an older build must).

A trusted text skips the token limit and the cost and depth pricing that arbitrary documents pay (it was written by
us and vetted at build time): it is parsed and validated once and kept for the life of the process
(backend.api.documents.DocumentCache). Arbitrary documents stay open to integrators with every limit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from backend.core.i18n import N_, translate

log = logging.getLogger("mototrack.graphql")

MANIFEST = "trusted-documents.json"
PERSISTED_DOCUMENT_NOT_FOUND = "PERSISTED_DOCUMENT_NOT_FOUND"
NOT_FOUND_MESSAGE = N_("The server does not know this request of the app. Reload the app to update it.")
# an id of the build that names another endpoint's operation (the staff app's at /portal/graphql, or the reverse)
OTHER_ENDPOINT = "PERSISTED_DOCUMENT_NOT_ALLOWED"
OTHER_ENDPOINT_MESSAGE = N_("This request of the app is not answered at this address.")
_ID = re.compile(r"^sha256:([0-9a-f]{64})$")


class UnknownDocument(Exception):
    def __init__(self, document_id: object, *, other_endpoint: bool = False) -> None:
        super().__init__(f"unknown trusted document {document_id!r}")
        self.document_id = document_id
        self.other_endpoint = other_endpoint  # the build's operation, for another endpoint's schema


def not_found_error(locale: str | None, other_endpoint: bool = False) -> dict:
    """The formatted GraphQL error for an unknown id (or one of another endpoint), in the reader's language."""
    if other_endpoint:
        return GraphQLError(translate(locale or "en", OTHER_ENDPOINT_MESSAGE),
                            extensions={"code": OTHER_ENDPOINT}).formatted
    return GraphQLError(translate(locale or "en", NOT_FOUND_MESSAGE),
                        extensions={"code": PERSISTED_DOCUMENT_NOT_FOUND}).formatted


class TrustedDocuments:
    """The manifest of one build: hash -> text, every hash checked against its text."""

    def __init__(self, documents: dict[str, str] | None = None) -> None:
        self.documents: dict[str, str] = {}
        for digest, text in (documents or {}).items():
            if not isinstance(text, str) or hashlib.sha256(text.encode()).hexdigest() != digest:
                raise ValueError(f"trusted document {digest!r} does not match its text")
            self.documents[digest] = text
        self.texts = frozenset(self.documents.values())
        self.elsewhere: frozenset[str] = frozenset()  # hashes of the build valid only against another schema

    def __len__(self) -> int:
        return len(self.documents)

    @classmethod
    def load(cls, dist: Path) -> TrustedDocuments:
        """The manifest of the PWA build in `dist`; none (an unbuilt app) is an empty one."""
        path = Path(dist) / MANIFEST
        if not path.is_file():
            log.info("no %s in %s: the app's requests come as text", MANIFEST, dist)
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("documents"), dict):
            raise ValueError(f"{path} is not a version 1 trusted-documents manifest")
        return cls(data["documents"])

    def for_schema(self, schema) -> TrustedDocuments:
        """The documents valid against `schema` (a Strawberry schema): one build's manifest holds the staff app's
        and the portal's operations, and each endpoint answers only its own by id; the others are `elsewhere`."""
        from graphql import parse, validate

        graphql_schema = getattr(schema, "_schema", schema)
        mine = {}
        for digest, text in self.documents.items():
            try:
                if not validate(graphql_schema, parse(text)):
                    mine[digest] = text
            except GraphQLError:
                pass
        out = TrustedDocuments(mine)
        out.elsewhere = frozenset(self.documents) - frozenset(mine)
        return out

    def text(self, document_id: object) -> str | None:
        match = _ID.match(document_id) if isinstance(document_id, str) else None
        return self.documents.get(match.group(1)) if match else None

    def resolve(self, data: object) -> object:
        """A request's parameters with the text of its documentId in `query` (one request or a batch); raises
        UnknownDocument for an id the manifest does not hold. A request with a text is left as it is."""
        if isinstance(data, list):
            return [self.resolve(item) for item in data]
        if not isinstance(data, dict) or "documentId" not in data or data.get("query"):
            return data
        text = self.text(data["documentId"])
        if text is None:
            match = _ID.match(data["documentId"]) if isinstance(data["documentId"], str) else None
            raise UnknownDocument(data["documentId"], other_endpoint=bool(match and match.group(1) in self.elsewhere))
        return {**data, "query": text}


class TrustedDocumentsView:
    """Mixed into a Strawberry ASGI view: documentId in a POST body, GET parameters or subscribe message.
    `view.trusted = manifest` keeps the manifest's documents valid against the view's own schema."""

    _trusted: TrustedDocuments = TrustedDocuments()

    @property
    def trusted(self) -> TrustedDocuments:
        return self._trusted

    @trusted.setter
    def trusted(self, documents: TrustedDocuments) -> None:
        self._trusted = documents.for_schema(self.schema)

    def parse_json(self, data):
        return self.trusted.resolve(super().parse_json(data))

    def parse_query_params(self, params):
        return self.trusted.resolve(super().parse_query_params(params))

    async def run(self, request, *args, **kwargs):
        """An unknown id (or another endpoint's) is answered with its GraphQL error in the browser's language."""
        from starlette.responses import JSONResponse

        from backend.core.i18n import negotiate

        try:
            return await super().run(request, *args, **kwargs)
        except UnknownDocument as unknown:
            locale = negotiate(request.headers.get("accept-language")) or "en"
            return JSONResponse({"data": None, "errors": [not_found_error(locale, unknown.other_endpoint)]})


class TrustedTransportWSHandler(BaseGraphQLTransportWSHandler):
    async def handle_subscribe(self, message) -> None:
        payload = message.get("payload") if isinstance(message, dict) else None
        if isinstance(payload, dict) and "documentId" in payload and not payload.get("query"):
            try:
                message = {**message, "payload": self.view.trusted.resolve(payload)}
            except UnknownDocument as unknown:
                if not self.connection_acknowledged:
                    await self.websocket.close(code=4401, reason="Unauthorized")
                    return
                locale = getattr(self.context, "locale", None)
                await self.send_message({"id": message.get("id"), "type": "error",
                                         "payload": [not_found_error(locale, unknown.other_endpoint)]})
                return
        await super().handle_subscribe(message)
