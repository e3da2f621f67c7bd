"""Starlette application: /graphql (HTTP + WebSocket), /healthz, /readyz, and the PWA at /."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from backend.accounts.service import actor_from_token
from backend.api.context import Context, Services
from backend.api.extensions import DocumentCache, make_document_cache_extension
from backend.core.db import Database
from backend.core.i18n import negotiate
from backend.core.pubsub import MemoryPubSub, RedisPubSub
from backend.core.ratelimit import MemoryRateLimiter, RedisRateLimiter
from backend.core.settings import Settings, get_settings
from backend.schema import build_schema

log = logging.getLogger("mototrack")


def bearer_token(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class MotoTrackGraphQL(GraphQL):
    def __init__(self, schema, services: Services, **kwargs) -> None:
        super().__init__(schema, **kwargs)
        self.services = services

    async def _authenticate(self, token: str | None):
        if not token:
            return None
        async with self.services.db.read() as session:
            return await actor_from_token(session, self.services.settings, token)

    async def get_context(self, request, response=None) -> Context:
        headers = request.headers
        ctx = Context(
            self.services,
            request=request,
            accept_locale=negotiate(headers.get("accept-language")),
            client_address=request.client.host if request.client else None,
        )
        ctx.set_actor(await self._authenticate(bearer_token(headers.get("authorization"))))
        return ctx

    async def on_ws_connect(self, context: Context):
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        raw = params.get("Authorization") or params.get("authorization")
        token = bearer_token(raw) if raw else params.get("token") or params.get("authToken")
        if token:
            actor = await self._authenticate(token)
            if actor is None:
                raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
            context.set_actor(actor)
        elif context.actor is None:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        return None


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
    db = Database(settings.database_url)
    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url)
        limiter, pubsub = RedisRateLimiter(redis), RedisPubSub(redis)
    else:
        limiter, pubsub = MemoryRateLimiter(), MemoryPubSub()
    services = Services(db, settings, limiter, pubsub)

    cache = DocumentCache(
        None,
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        introspection=not settings.is_production,
    )
    schema = build_schema([make_document_cache_extension(cache)])
    cache.schema = schema
    graphql_app = MotoTrackGraphQL(
        schema,
        services,
        graphql_ide=None if settings.is_production else "graphiql",
        allow_queries_via_get=True,
    )

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

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        await pubsub.close()
        if redis is not None:
            await redis.aclose()
        await db.dispose()

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_app),
        *_pwa_routes(Path(settings.pwa_dist)),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.services = services
    app.state.document_cache = cache
    app.state.schema = schema
    return app
