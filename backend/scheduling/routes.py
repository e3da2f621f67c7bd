"""GET /calendar/<token>.ics: a calendar feed (backend/scheduling/service/feeds.py). An unknown or revoked token is
the same plain 404, so the answer tells nothing about which tokens exist or existed."""

from __future__ import annotations

from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from backend.scheduling.service.feeds import render_feed

# calendar apps poll (Google every few hours, Outlook about hourly): a few minutes' caching by the client only
# (the URL is a secret: no shared cache may keep it), and revalidation after that
CACHE_CONTROL = "private, max-age=300, must-revalidate"


def calendar_routes(services) -> list[Route]:
    settings = services.settings

    async def feed(request: Request) -> Response:
        token = request.path_params["token"]
        host = urlparse(settings.public_url).hostname or request.url.hostname or "mototrack"
        async with services.db.read() as session:
            body = await render_feed(session, token, host)
        if body is None:
            return PlainTextResponse("Not found", status_code=404, headers={"Cache-Control": "no-store"})
        return Response(body, media_type="text/calendar; charset=utf-8", headers={
            "Cache-Control": CACHE_CONTROL, "Content-Disposition": 'inline; filename="mototrack.ics"',
            "X-Robots-Tag": "noindex"})

    return [Route("/calendar/{token}.ics", feed, methods=["GET", "HEAD"])]
