"""HTTP for the portal: /portal/graphql (POST + WebSocket graphql-transport-ws) and the portal page at /p/.

A portal link is /p/#<token>: the token is in the fragment, which browsers never send, so it reaches no access log.
The page sends it as `Authorization: Portal <token>` (WebSocket: connection parameter `portalToken`). Should anyone
put a token in the path (/p/<token>), the access log shows /p/… instead (`RedactPortalPaths`, installed on uvicorn's
access logger), and the page is served all the same.

A booking link (backend/scheduling/booking) is /b/#<token>, the same page's booking view; its token is sent as
`Authorization: Booking <token>` to the same endpoint, with the same limits and redaction.

Rate limits (settings.portal_*): requests per address and per link a minute; tokens that open nothing per address
in 15 minutes (a guesser is stopped long before a 132-bit token could be found); codes per link an hour (service).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from backend.api.context import Context
from backend.api.trusted import TrustedDocuments, TrustedDocumentsView, TrustedTransportWSHandler
from backend.core.errors import MESSAGES, ErrorCode
from backend.core.i18n import N_, negotiate, translate
from backend.core.ratelimit import client_address, trusted_networks
from backend.portal import service

PORTAL_GRAPHQL = "/portal/graphql"
BAD_TOKEN_WINDOW = 900
_PATH_TOKEN = re.compile(r"(/[pb]/)[^\s\"?#]+")

NOT_BUILT = N_("The customer portal is not built yet.")
PHONE = N_("Phone: {phone}")


class RedactPortalPaths(logging.Filter):
    """An access-log line naming /p/<anything> shows /p/… (a token pasted into a path never lands in a log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_PATH_TOKEN.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str) and ("/p/" in record.msg or "/b/" in record.msg):
            record.msg = _PATH_TOKEN.sub(r"\1…", record.msg)
        return True


def install_log_filter() -> None:
    for name in ("uvicorn.access", "uvicorn.error", "mototrack"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactPortalPaths) for f in logger.filters):
            logger.addFilter(RedactPortalPaths())


def portal_token(value: str | None) -> str | None:
    scheme, _, token = (value or "").partition(" ")
    return token.strip() or None if scheme.lower() == "portal" else None


def booking_token(value: str | None) -> str | None:
    """`Authorization: Booking <token>`: a booking link's token (backend/scheduling/booking)."""
    scheme, _, token = (value or "").partition(" ")
    return token.strip() or None if scheme.lower() == "booking" else None


class PortalGraphQL(TrustedDocumentsView, GraphQL):
    # the build's portal operations by id (HTTP and subscribe messages); the staff app's ids are refused here
    graphql_transport_ws_handler_class = TrustedTransportWSHandler

    def __init__(self, schema, services, **kwargs) -> None:
        super().__init__(schema, **kwargs)
        self.services = services

    async def _open(self, ctx: Context, token: str | None, booking: bool = False) -> None:
        settings, limiter = self.services.settings, self.services.limiter
        address = ctx.client_address or "unknown"
        ctx.portal_denied = None
        ctx.locale = ctx.accept_locale or "en"  # until the link says whose it is
        if await limiter.count(f"portal:bad:{address}", BAD_TOKEN_WINDOW) >= settings.portal_bad_tokens_per_window:
            ctx.portal_denied = service.Denied(ErrorCode.RATE_LIMITED)
            return
        if await limiter.hit(f"portal:ip:{address}", 60) > settings.portal_requests_per_minute:
            ctx.portal_denied = service.Denied(ErrorCode.RATE_LIMITED)
            return
        try:
            async with self.services.db.read() as session:
                if booking:  # a booking link: the same checks, limits and audit label (portal:<link id>)
                    from backend.scheduling.booking.service import authenticate as open_booking

                    opened = await open_booking(session, settings, token)
                else:
                    opened = await service.authenticate(session, settings, token)
        except service.Denied as denied:
            if denied.code == ErrorCode.PORTAL_LINK_INVALID:
                await limiter.hit(f"portal:bad:{address}", BAD_TOKEN_WINDOW)
            ctx.portal_denied = denied
            ctx.locale = denied.locale or ctx.accept_locale or denied.garage_locale or "en"
            return
        ctx.set_actor(opened.actor)  # the customer's language, else the browser's, else the garage's
        if await limiter.hit(f"portal:link:{opened.link.id}", 60) > settings.portal_requests_per_minute:
            ctx.portal_denied = service.Denied(ErrorCode.RATE_LIMITED)
            ctx.actor = None

    async def get_context(self, request, response=None) -> Context:
        headers = request.headers
        ctx = Context(self.services, request=request, accept_locale=negotiate(headers.get("accept-language")),
                      client_address=client_address(request.client.host if request.client else None, headers,
                                                    trusted_networks(self.services.settings.trusted_proxies)))
        ctx.portal_denied = None
        if request.scope.get("type") == "http":
            ctx.response = response
            booking = booking_token(headers.get("authorization"))
            if booking is not None:
                await self._open(ctx, booking, booking=True)
            else:
                await self._open(ctx, portal_token(headers.get("authorization")))
        return ctx

    async def on_ws_connect(self, context: Context):
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        token = params.get("portalToken")
        await self._open(context, token if isinstance(token, str) else None)
        if context.portal_denied is not None:
            raise ConnectionRejectionError({"code": context.portal_denied.code.value})
        return None


def _page(locale: str, title: str, text: str, phone: str | None) -> str:
    from backend.notifications.unsubscribe import page

    if phone:
        call = translate(locale, PHONE, phone=phone)
        text = f"{text} {call}"
    return page(locale, title, text)


def portal_routes(services, schema) -> list:
    dist = Path(services.settings.pwa_dist)
    install_log_filter()
    app = PortalGraphQL(schema, services, graphql_ide=None, allow_queries_via_get=False)
    app.trusted = TrustedDocuments.load(dist)  # the portal page's operations of the build served at /

    async def portal_page(request: Request) -> Response:
        page = dist / "portal.html"
        headers = {"Cache-Control": "no-cache", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
        if page.is_file():
            return FileResponse(page, headers=headers)
        locale = negotiate(request.headers.get("accept-language")) or "en"
        return HTMLResponse(_page(locale, "MotoTrack", translate(locale, NOT_BUILT), None), headers=headers)

    async def link_status(request: Request) -> Response:
        """GET /portal/link (Authorization: Portal <token>): 204 when the link opens, else the localized page of
        why not, with the garage's phone (an expired or revoked link): for a page or a script without GraphQL."""
        token = portal_token(request.headers.get("authorization"))
        try:
            async with services.db.read() as session:
                await service.authenticate(session, services.settings, token)
        except service.Denied as denied:
            locale = denied.locale or negotiate(request.headers.get("accept-language")) or denied.garage_locale or "en"
            title = translate(locale, MESSAGES[denied.code])
            return HTMLResponse(_page(locale, title, title, denied.garage_phone), status_code=410 if denied.code in (
                ErrorCode.PORTAL_LINK_EXPIRED, ErrorCode.PORTAL_LINK_REVOKED) else 404,
                headers={"Cache-Control": "no-store"})
        return Response(status_code=204)

    return [
        Route(PORTAL_GRAPHQL, app, methods=["POST"]),
        WebSocketRoute(PORTAL_GRAPHQL, app),
        Route("/portal/link", link_status, methods=["GET"]),
        Route("/p", portal_page, methods=["GET"]),
        Route("/p/", portal_page, methods=["GET"]),
        Route("/p/{rest:path}", portal_page, methods=["GET"]),
        # the booking page (a booking link: /b/#<token>) is the portal page's other view
        Route("/b", portal_page, methods=["GET"]),
        Route("/b/", portal_page, methods=["GET"]),
        Route("/b/{rest:path}", portal_page, methods=["GET"]),
    ]
