"""Starlette application: /graphql (HTTP + WebSocket), /healthz, /readyz, and the PWA at /."""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UNSET

from backend.accounts.service import actor_from_token
from backend.api.context import Context, Services
from backend.api.cost import MemoryCostBudget, QueryCost, RedisCostBudget
from backend.api.errors import is_unavailable, service_unavailable
from backend.api.graphiql import graphiql_routes
from backend.api.body_limit import BodyLimit
from backend.api.metrics import MeteredWSHandler, Metrics, WebSocketCount
from backend.api.throttle import RefusalThrottle
from backend.api.trusted import TrustedDocuments, TrustedDocumentsView, UnknownDocument
from backend.api.trusted import not_found_error
from backend.api.compression import CompressionMiddleware
from backend.api.security_headers import add_cors_middleware, add_security_middleware
from backend.api.documents import DocumentCache, DocumentLimits, make_document_cache_extension
from backend.billing.documents.routes import document_routes
from backend.billing.exports import EXPORT_PATH
from backend.billing.exports import download as export_download
from backend.core.auth_cache import AuthCache, following
from backend.core.db import Database
from backend.core.i18n import negotiate, normalize_locale
from backend.core.pubsub import MemoryPubSub, RedisPubSub
from backend.core.ratelimit import MemoryRateLimiter, RedisRateLimiter, client_address, trusted_networks
from backend.core.settings import Settings, get_settings
from backend.files.routes import file_routes
from backend.notifications.receipts import receipt_routes
from backend.notifications.shortlinks import short_link_routes
from backend.ops.logs import RequestIdMiddleware, configure_logging, note_operation
from backend.ops.sentry import client_error_routes, init_sentry
from backend.portal.routes import portal_routes
from backend.scheduling.routes import calendar_routes
from backend.portal.schema import build_portal_schema, portal_extensions
from backend.schema import build_schema
from backend.workshop.jobsheet import job_sheet_routes
from backend.purchasing.documents import purchase_order_routes
from backend.analytics.exports import download_routes as kpi_export_routes

log = logging.getLogger("mototrack")


def bearer_token(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


UNAVAILABLE_CLOSE_CODE = 1013  # RFC 6455 registry: "Try Again Later"
UNAVAILABLE_CLOSE_REASON = "Service unavailable; try again later"


class DatabaseUnavailable(Exception):
    """Raised while preparing a request whose sign-in cannot be checked because the database is unreachable."""

    def __init__(self, locale: str) -> None:
        super().__init__("database unavailable")
        self.locale = locale


class MotoTrackGraphQL(TrustedDocumentsView, GraphQL):
    # subscribe messages may name a documentId (TrustedTransportWSHandler); operations and errors are counted
    graphql_transport_ws_handler_class = MeteredWSHandler

    def __init__(self, schema, services: Services, **kwargs) -> None:
        super().__init__(schema, **kwargs)
        self.services = services

    fastpath = None  # backend.api.fastpath.FastPath, set by create_app
    cost = None  # backend.api.cost.QueryCost, set by create_app
    metrics = None  # backend.api.metrics.Metrics, set by create_app

    async def execute_single(self, request, request_adapter, sub_response, context, root_value, request_data):
        note_operation(request_data.operation_name, request_data.query)  # on its log lines and error reports
        if self.metrics is None:
            return await self._execute_single(request, request_adapter, sub_response, context, root_value,
                                              request_data)
        timer = self.metrics.timer(request_data.operation_name, "http", request_data.query)
        result = await self._execute_single(request, request_adapter, sub_response, context, root_value,
                                            request_data)
        timer.done(getattr(result, "errors", None))
        return result

    async def _execute_single(self, request, request_adapter, sub_response, context, root_value, request_data):
        """Priced first (refused over the cost limit or an API key's budget), then answered."""
        priced = None
        if self.cost is not None and request_data.query:
            priced = await self.cost.price(context, request_data.query, request_data.operation_name,
                                           request_data.variables)
            if priced is not None and priced.error is not None:
                if priced.retry_after is not None:
                    sub_response.status_code = 429
                    sub_response.headers["Retry-After"] = str(priced.retry_after)
                return GraphQLExecutionResult(data=None, errors=[priced.error],
                                              extensions={"cost": priced.extension} if priced.extension else None)
        result = await self._answer(request, request_adapter, sub_response, context, root_value, request_data)
        if priced is not None and priced.extension is not None:
            result.extensions = {**(result.extensions or {}), "cost": priced.extension}
        return result

    async def _answer(self, request, request_adapter, sub_response, context, root_value, request_data):
        """The fast read path first (it answers only what it answers exactly as the plain execution would)."""
        if self.fastpath is not None and request_data.query:
            result = await self.fastpath.execute(context, request_data.query, request_data.variables,
                                                 request_data.operation_name)
            if result is not None:
                return result
        return await super().execute_single(request, request_adapter, sub_response, context, root_value,
                                            request_data)

    async def _authenticate(self, token: str | None):
        return await self.services.authenticate(token)

    async def get_context(self, request, response=None) -> Context:
        headers = request.headers
        ctx = Context(
            self.services,
            request=request,
            accept_locale=negotiate(headers.get("accept-language")),
            screen_locale=normalize_locale(headers.get("x-mototrack-locale")),
            client_address=client_address(request.client.host if request.client else None, headers,
                                          trusted_networks(self.services.settings.trusted_proxies)),
        )
        ctx.token = bearer_token(headers.get("authorization"))
        if request.scope.get("type") == "http":
            ctx.response = response  # an outage met while executing sets its status to 503
        ctx.set_actor(await self._authenticate_or_unavailable(ctx, ctx.token))
        return ctx

    async def _authenticate_or_unavailable(self, ctx: Context, token: str | None):
        try:
            return await self._authenticate(token)
        except Exception as exc:
            if is_unavailable(exc):
                raise DatabaseUnavailable(ctx.accept_locale or ctx.locale) from exc
            raise

    async def run(self, request, context=UNSET, root_value=UNSET):
        """The database cannot be reached to check the sign-in: HTTP answers 503 with a localized GraphQL error;
        a WebSocket was closed with 1013 (try again later) in on_ws_connect."""
        try:
            return await super().run(request, context, root_value)
        except UnknownDocument:
            locale = negotiate(request.headers.get("accept-language")) or "en"
            return JSONResponse({"data": None, "errors": [not_found_error(locale)]})
        except DatabaseUnavailable as exc:
            log.warning("database unavailable: %s", exc.__cause__)
            if request.scope.get("type") != "http":
                return None
            error = service_unavailable(exc.locale)
            return JSONResponse({"data": None, "errors": [error.formatted]}, status_code=503,
                                headers={"Retry-After": "5"})

    async def on_ws_connect(self, context: Context):
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        raw = params.get("Authorization") or params.get("authorization")
        token = bearer_token(raw) if raw else params.get("token") or params.get("authToken")
        if token:
            try:
                actor = await self._authenticate_or_unavailable(context, token)
            except DatabaseUnavailable:
                await context.request.close(code=UNAVAILABLE_CLOSE_CODE, reason=UNAVAILABLE_CLOSE_REASON)
                raise
            if actor is None:
                raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
            context.token = token
            context.set_actor(actor)
        elif context.actor is None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        return None


GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


class GraphQLOverHTTP:
    """The GraphQL-over-HTTP media type: a client that accepts application/graphql-response+json gets it, and a
    request that never reached execution (unreadable, invalid, wrong variable types) gets 400 without `data`."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = ""
        for name, value in scope.get("headers", []):
            if name == b"accept":
                accept = value.decode("latin-1").lower()
        if GRAPHQL_RESPONSE_JSON not in accept:
            await self.app(scope, receive, send)
            return
        start: dict = {}
        body = bytearray()

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    await _finish()

        async def _finish() -> None:
            status, payload = start["status"], bytes(body)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length",
                                                                                         b"content-type")]
            is_json = any(k.lower() == b"content-type" and b"json" in v for k, v in start.get("headers", []))
            if is_json and status == 200 and b'"errors"' in payload:  # not parsed again when it cannot fail
                try:
                    result = json.loads(payload)
                except ValueError:
                    result = None
                errors = result.get("errors") if isinstance(result, dict) else None
                if errors and result.get("data") is None and all("path" not in e for e in errors):
                    status = 400
                    payload = json.dumps({"errors": errors}, ensure_ascii=False).encode()
            content_type = GRAPHQL_RESPONSE_JSON.encode() if is_json else None
            if content_type:
                headers.append((b"content-type", content_type + b"; charset=utf-8"))
            headers.append((b"content-length", str(len(payload)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})

        await self.app(scope, receive, capture)


def _pwa_routes(dist: Path) -> list:
    index = dist / "index.html"
    if not index.exists():
        async def not_built(_request: Request) -> Response:
            return HTMLResponse(
                "<!doctype html><title>MotoTrack</title><h1>MotoTrack</h1>"
                "<p>The app is not built yet: run <code>make run</code> (or <code>make pwa</code>).</p>"
                "<p>The API is at <a href='/graphql'>/graphql</a>.</p>"
            )

        return [Route("/", not_built), Route("/{path:path}", not_built)]

    async def spa(request: Request) -> Response:
        path = request.path_params.get("path", "")
        if path.rstrip("/") == "help":  # the user guide (pwa/scripts/help-docs.mjs) in the reader's language
            language = negotiate(request.headers.get("accept-language")) or "en"
            return RedirectResponse(f"/help/{language}/", status_code=307)
        # the API guide (pwa/scripts/api-docs.mjs) at /docs/, a language's contents of the user guide at /help/<lang>/
        if path.rstrip("/") in ("docs", "help/en", "help/th"):
            if not path.endswith("/"):
                return RedirectResponse(f"/{path}/", status_code=308)
            path += "index.html"
        elif path.startswith(("docs/", "help/")) and "." not in path.rsplit("/", 1)[-1]:
            path += ".html"
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and dist.resolve() in candidate.parents:
            response = FileResponse(candidate)
            if candidate.name in ("sw.js", "index.html", "manifest.webmanifest") or candidate.suffix == ".webmanifest":
                response.headers["Cache-Control"] = "no-cache"
            return response
        if path.startswith(("assets/",)) or "." in path.rsplit("/", 1)[-1]:
            raise HTTPException(404)
        response = FileResponse(index)
        response.headers["Cache-Control"] = "no-cache"
        return response

    return [Route("/", spa), Route("/{path:path}", spa)]


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    settings.check()
    if settings.env != "test":  # tests keep pytest's logging (tests/ops configure it where they check it)
        configure_logging(settings, "api")
    init_sentry(settings, "api")  # only with a sentry_dsn
    db = Database(settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow,
                  pool_recycle=settings.db_pool_recycle)
    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url)
        limiter, pubsub = RedisRateLimiter(redis), RedisPubSub(redis)
    else:
        limiter, pubsub = MemoryRateLimiter(), MemoryPubSub()
    services = Services(db, settings, limiter, pubsub)
    # other processes share the users only through Redis: there the cache is used while it follows revocations
    auth_cache = AuthCache(settings.auth_cache_seconds, settings.auth_cache_size, shared=redis is not None)
    services.auth_cache = auth_cache

    cache = DocumentCache(None, DocumentLimits.from_settings(settings), introspection=not settings.is_production,
                          max_bytes=settings.document_cache_bytes)
    schema = build_schema([make_document_cache_extension(cache)])
    cache.schema = schema
    trusted = TrustedDocuments.load(Path(settings.pwa_dist))  # the operations of the app served at /
    cache.trusted = trusted.texts
    throttle = RefusalThrottle(settings.refusal_burst, settings.refusal_rate)
    cache.throttle = throttle
    proxies = trusted_networks(settings.trusted_proxies)

    async def hold_refused_sender(scope) -> None:
        peer = scope.get("client")
        await throttle.wait(client_address(peer[0] if peer else None, Headers(scope=scope), proxies))
    async def load_actor(token: str):
        async with db.read() as session:
            return await actor_from_token(session, settings, token)

    async def authenticate(token: str | None):
        if not token:
            return None
        return await auth_cache.actor(token, load_actor)

    services.authenticate = authenticate
    graphql_app = MotoTrackGraphQL(
        schema,
        services,
        graphql_ide=None if settings.is_production else "graphiql",
        allow_queries_via_get=True,
    )

    graphql_app.fastpath = _fast_path(schema, cache, settings)
    graphql_app.trusted = trusted
    budget = RedisCostBudget(redis) if redis is not None else MemoryCostBudget()
    graphql_app.cost = QueryCost(schema._schema, cache, settings, budget, trusted.texts)
    metrics = graphql_app.metrics = Metrics(services, trusted.texts)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        try:
            async with db.read() as session:
                await session.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means not ready
            log.exception("readiness check failed")
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    async def unsubscribe(request: Request) -> Response:
        from backend.notifications.unsubscribe import unsubscribe as do_unsubscribe

        params = dict(request.query_params)  # a one-click POST (RFC 8058) carries them in the URL too
        status, page = await do_unsubscribe(db, settings, params, negotiate(request.headers.get("accept-language")))
        return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        from backend.notifications.runner import ArqRelay, InProcessRunner
        from backend.ops.backup import start_backup_schedule, stop_backup_schedule

        # the outbox relay: arq on Redis when configured, else the in-process runner drains it
        relay = ArqRelay(settings.redis_url) if settings.redis_url else InProcessRunner(db, settings)
        relay.start()
        _app.state.notification_relay = relay
        backups = start_backup_schedule(settings)  # embedded mode's daily backup (backend/ops/backup.py)
        from backend.integrations.webhooks.runner import relay_for as webhook_relay_for

        webhooks = webhook_relay_for(db, settings)  # the webhook outbox's relay, in the same two modes
        webhooks.start()
        _app.state.webhook_relay = webhooks
        async with following(auth_cache, pubsub):
            yield
        await relay.stop()
        await stop_backup_schedule(backups)
        await webhooks.stop()
        if services.live is not None:
            await services.live.close()
        await pubsub.close()
        if redis is not None:
            await redis.aclose()
        await db.dispose()

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics.endpoint),  # Prometheus (backend/api/metrics.py: a token in production)
        Route("/unsubscribe", unsubscribe, methods=["GET", "POST"]),
        *client_error_routes(services),  # the PWA's unhandled errors (backend/ops/sentry.py)
        *receipt_routes(services),
        *short_link_routes(services),
        *job_sheet_routes(services),  # before /documents/{kind}/..., which would answer 404 for it
        *purchase_order_routes(services),
        *document_routes(services),
        *file_routes(services),
        *calendar_routes(services),  # /calendar/<token>.ics
        Route(EXPORT_PATH, export_download),
        *graphiql_routes(services, schema),  # POST /graphiql: GraphiQL for signed-in admins, production too
        *kpi_export_routes(services),  # /exports/kpi/<id>: a dashboard export's file
        Route("/graphql", BodyLimit(GraphQLOverHTTP(graphql_app), settings.max_request_bytes, hold_refused_sender),
              methods=["GET", "POST"]),
        WebSocketRoute("/graphql", WebSocketCount(BodyLimit(graphql_app, settings.max_request_bytes))),
        *portal_routes(services, build_portal_schema(portal_extensions(settings))),  # /portal/graphql and /p/
        *_pwa_routes(Path(settings.pwa_dist)),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    add_security_middleware(app, settings)  # CSP, nosniff, Referrer-Policy, HSTS (production): inside compression
    app.add_middleware(CompressionMiddleware)  # gzip / brotli for text responses; not WebSockets
    add_cors_middleware(app, settings)  # only for the configured cors_allowed_origins
    app.add_middleware(RequestIdMiddleware)  # outermost: X-Request-ID on every answer, a log line per request
    app.state.services = services
    app.state.auth_cache = auth_cache
    app.state.document_cache = cache
    app.state.trusted_documents = trusted
    app.state.refusal_throttle = throttle
    app.state.schema = schema
    app.state.fastpath = graphql_app.fastpath
    app.state.metrics = metrics
    return app


def _fast_path(schema, documents: DocumentCache, settings: Settings):
    from backend.api.fastpath import FastPath
    from backend.customers import fastpath as customers_fast
    from backend.scheduling import fastpath as scheduling_fast
    from backend.workshop import fastpath as workshop_fast

    return FastPath(schema, documents, {**workshop_fast.TYPES, **customers_fast.TYPES, **scheduling_fast.TYPES},
                    {**workshop_fast.ROOTS, **customers_fast.ROOTS, **scheduling_fast.ROOTS},
                    enabled=settings.fast_reads)
