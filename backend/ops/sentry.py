"""Error tracking with sentry-sdk: off unless settings.sentry_dsn is set.

What is reported, each with the release (mototrack@<version>), the environment, the component (api, worker, pwa),
the request id and the GraphQL operation's name as tags:
- the API: an unhandled exception of a request (Starlette integration) and every error the API logs with its stack,
  which is how the GraphQL layer records the unexpected errors it masks for the client (logging integration);
- the worker: a job that raises (arq integration), an asyncio task that dies (asyncio integration), logged errors;
- the PWA: its unhandled errors and rejections, which pwa/src/shared/errors.ts posts to POST /client-errors; the API
  forwards them (no Sentry SDK in the browser: no DSN or third-party origin in the page, no 30 kB of script, and the
  same scrubbing as the server's). Without a DSN the endpoint logs them instead.

Before anything leaves the process (`scrub_event`), request bodies, cookies and credentials headers are dropped,
query strings, messages, breadcrumbs and extra data go through the log redaction (tokens, signatures, passwords,
API keys), and e-mail addresses and phone numbers are masked; local variables are never sent.
"""

from __future__ import annotations

import json
import logging
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.ops import app_version
from backend.ops.logs import REDACTED, current_request_id, operation_name, redact, scrub

log = logging.getLogger("mototrack.client_errors")

CLIENT_ERRORS_PATH = "/client-errors"
MAX_CLIENT_ERROR_BYTES = 16 * 1024
CLIENT_ERRORS_PER_MINUTE = 30  # per client address
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w.-])\+?\d[\d -]{7,}\d(?![\w.-])")
_DROPPED_HEADERS = {"authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization"}

_active = False


def release() -> str:
    return f"mototrack@{app_version()}"


def _personal(value):
    if isinstance(value, str):
        return _PHONE.sub("[phone]", _EMAIL.sub("[email]", value))
    if isinstance(value, dict):
        return {k: _personal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_personal(v) for v in value]
    return value


def scrub_event(event: dict, _hint=None) -> dict:
    """sentry-sdk's before_send: what may leave the process."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        request.pop("env", None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() not in _DROPPED_HEADERS}
        if request.get("query_string"):
            request["query_string"] = redact("?" + str(request["query_string"]))[1:]
    user = event.get("user")
    if isinstance(user, dict):  # the id only: no e-mail, name or address
        event["user"] = {k: v for k, v in user.items() if k == "id"}
    return _personal(scrub(event, max_depth=12))


def scrub_breadcrumb(crumb: dict, _hint=None) -> dict:
    return _personal(scrub(crumb, max_depth=8))


def init_sentry(settings, component: str) -> bool:
    """Starts error tracking for this process when a DSN is set; True when it is on."""
    global _active
    dsn = getattr(settings, "sentry_dsn", "")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.asyncio import AsyncioIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.starlette import StarletteIntegration

    client = sentry_sdk.get_client()
    if _active and client.is_active() and client.dsn == dsn:
        return True
    integrations = [StarletteIntegration(), LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)]
    if component == "worker":
        from sentry_sdk.integrations.arq import ArqIntegration

        integrations += [ArqIntegration(), AsyncioIntegration()]
    sentry_sdk.init(
        dsn=dsn, release=release(), environment=settings.env, integrations=integrations,
        auto_enabling_integrations=False, send_default_pii=False, include_local_variables=False,
        max_request_body_size="never", traces_sample_rate=None, max_breadcrumbs=30,
        before_send=scrub_event, before_breadcrumb=scrub_breadcrumb,
    )
    sentry_sdk.set_tag("component", component)
    _active = True
    return True


def report_job_errors(worker_kwargs: dict) -> dict:
    """An arq job that raises is reported (with its name as a tag) and raised on to arq as before. Sentry's arq
    integration only instruments workers made by arq.worker.create_worker; backend/worker.py makes its
    GracefulWorker itself, so its functions and cron jobs are wrapped here. Without a DSN nothing changes."""
    if not _active:
        return worker_kwargs
    from arq.worker import func

    worker_kwargs = dict(worker_kwargs)
    worker_kwargs["functions"] = [_reporting(func(f)) for f in worker_kwargs.get("functions") or ()]
    worker_kwargs["cron_jobs"] = [_reporting(c) for c in worker_kwargs.get("cron_jobs") or ()]
    return worker_kwargs


def _reporting(job):
    import functools

    import sentry_sdk
    from arq.worker import JobExecutionFailed, Retry, RetryJob

    coroutine, name = job.coroutine, job.name
    if getattr(coroutine, "__reports_errors__", False):
        return job

    @functools.wraps(coroutine)
    async def reporting(ctx, *args, **kwargs):
        try:
            return await coroutine(ctx, *args, **kwargs)
        except (Retry, RetryJob, JobExecutionFailed):
            raise  # arq's own flow: a retry is no error
        except Exception:
            with sentry_sdk.new_scope() as scope:
                scope.set_tag("arq.job", name)
                scope.set_tag("arq.try", str(ctx.get("job_try", "")))
                sentry_sdk.capture_exception()
            raise

    reporting.__reports_errors__ = True
    job.coroutine = reporting
    return job


def tag_operation(name: str) -> None:
    """The GraphQL operation of the request being handled, on any error it reports (backend.ops.logs)."""
    if not _active:
        return
    import sentry_sdk

    sentry_sdk.set_tag("graphql.operation", name)
    request_id = current_request_id()
    if request_id:
        sentry_sdk.set_tag("request_id", request_id)


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def client_error_event(report: dict, user_agent: str) -> dict:
    """A PWA's report as a Sentry event (scrubbed by before_send like every other)."""
    message = _text(report.get("message"), 1000) or "unknown error"
    kind = _text(report.get("type"), 100) or "Error"
    tags = {"component": "pwa", "pwa.source": _text(report.get("source"), 40) or "error"}
    name = operation_name(report.get("operation"))
    if name:
        tags["graphql.operation"] = name
    if _text(report.get("release"), 100):
        tags["pwa.release"] = _text(report.get("release"), 100)
    path = _text(report.get("path"), 500)
    return {
        "level": "error", "platform": "javascript", "logger": "pwa", "release": release(),
        "exception": {"values": [{"type": kind, "value": message}]},
        "tags": tags,
        # the page's, not the report's request (which the Starlette integration describes as /client-errors)
        "contexts": {"pwa": {"path": path, "user_agent": user_agent[:300]}},
        "extra": {"stack": _text(report.get("stack"), 8000)},
    }


def client_error_routes(services) -> list[Route]:
    """POST /client-errors: the PWA's unhandled errors (JSON, at most 16 kB; 30 a minute per address)."""

    async def receive(request: Request) -> Response:
        from backend.core.ratelimit import client_address, trusted_networks

        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_CLIENT_ERROR_BYTES:
            return Response(status_code=413)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_CLIENT_ERROR_BYTES:
                return Response(status_code=413)
        address = client_address(request.client.host if request.client else None, request.headers,
                                 trusted_networks(services.settings.trusted_proxies))
        key = f"client-errors:{address}"
        if await services.limiter.hit(key, 60) > CLIENT_ERRORS_PER_MINUTE:
            return Response(status_code=429, headers={"Retry-After": "60"})
        try:
            report = json.loads(body)
        except ValueError:
            return Response(status_code=400)
        if not isinstance(report, dict):
            return Response(status_code=400)
        event = client_error_event(report, request.headers.get("user-agent", ""))
        if _active:
            import sentry_sdk

            with sentry_sdk.new_scope() as scope:
                for tag, value in event.pop("tags").items():
                    scope.set_tag(tag, value)
                if current_request_id():
                    scope.set_tag("request_id", current_request_id())
                sentry_sdk.capture_event(event)
        else:
            value = event["exception"]["values"][0]
            log.warning("PWA error: %s: %s", value["type"], redact(value["value"]),
                        extra={"pwa_path": redact(event["contexts"]["pwa"]["path"]),
                               "operation": event["tags"].get("graphql.operation")})
        return Response(status_code=204)

    return [Route(CLIENT_ERRORS_PATH, receive, methods=["POST"])]


__all__ = ["REDACTED", "client_error_routes", "init_sentry", "scrub_event", "tag_operation"]
