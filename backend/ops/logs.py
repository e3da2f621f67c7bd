"""Structured logs (structlog) for the API, the worker and the CLI, one configuration for all three.

- Every line is one event: JSON (one object a line) in production, human-readable in development
  (settings.log_format: "auto" chooses by MOTOTRACK_ENV; "json" or "console" to say). The standard library's loggers
  (uvicorn, arq, SQLAlchemy, ours) go through the same formatter, so all lines look alike.
- Each HTTP request and WebSocket connection has a request id (`RequestIdMiddleware`): the client's `X-Request-ID`
  when it is sane (1-128 letters, digits, `.`, `_`, `:`, `-`), else a new one. It is bound to every line logged while
  the request is handled, and sent back in the `X-Request-ID` response header (on a WebSocket, in the handshake's
  answer). One line per request ("request") says method, path, status, time, and the GraphQL operation's name.
- Nothing secret is written (`redact`): values under secret-like keys (password, token, secret, authorization,
  cookie, api key, signature, dsn...) are replaced, and in every text the bearer/portal credentials, JWTs, API keys,
  webhook secrets, token-like path segments (/p/..., /calendar/....ics, /s/...) and secret query parameters
  (token=, sig=, s=, key=, code=, ...) are masked; SQL parameters in error messages are dropped (they hold
  personal data).
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import uuid

import structlog

REQUEST_ID_HEADER = b"x-request-id"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_OPERATION = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,99}$")
_OPERATION_IN_TEXT = re.compile(r"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
REDACTED = "[redacted]"

# keys whose values are never written, whatever they hold
_SECRET_KEY = re.compile(
    r"passw(or)?d|passphrase|secret|token|authori[sz]ation|cookie|api[_-]?key|signature|^sig$|^s$|dsn|credential|"
    r"private|^code$|otp", re.IGNORECASE)
_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\b(Bearer|Portal|Basic|Token)\s+[^\s\"',;]+", re.IGNORECASE), r"\1 " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), REDACTED),  # JWT
    (re.compile(r"\b(mtk|whsec)_[A-Za-z0-9_-]{8,}"), r"\1_" + REDACTED),  # API keys, webhook secrets
    (re.compile(r"(/p/)[^\s\"'?#]+"), r"\1…"),  # a portal token pasted into a path
    (re.compile(r"(/calendar/)[^\s\"'?#/]+?(\.ics)"), r"\1…\2"),  # a calendar feed's token
    (re.compile(r"(/s/)[^\s\"'?#/]+"), r"\1…"),  # a short link's code
    (re.compile(r"([?&;](?:[A-Za-z_]*token|sig|signature|s|key|api_key|apikey|code|password|secret|auth)=)"
                r"[^&\s\"'#]+", re.IGNORECASE), r"\1" + REDACTED),
    (re.compile(r"\[parameters: .*?\](?=\s|$|\n)", re.DOTALL), "[parameters: " + REDACTED + "]"),
]

# the request being handled (a mutable record the GraphQL view writes its operation name into)
_REQUEST: contextvars.ContextVar[dict | None] = contextvars.ContextVar("mototrack_request", default=None)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub(value, depth: int = 0, max_depth: int = 4):
    """A value with secret-like keys' values masked and every text redacted, down to `max_depth` levels."""
    if isinstance(value, str):
        return redact(value)
    if depth > max_depth:
        return value
    if isinstance(value, dict):
        return {k: (REDACTED if isinstance(k, str) and _SECRET_KEY.search(k) and v not in (None, "")
                    else scrub(v, depth + 1, max_depth)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub(v, depth + 1, max_depth) for v in value)
    return value


def redact_event(_logger, _method, event_dict: dict) -> dict:
    """structlog processor: secret-like keys masked, every text value scrubbed of credentials by pattern."""
    return scrub(event_dict)


def _component(name: str):
    def add(_logger, _method, event_dict):
        event_dict.setdefault("component", name)
        event_dict.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
        if event_dict.get("operation", "") is None:  # bound empty at the start of each request
            del event_dict["operation"]
        return event_dict

    return add


def _shared_processors(component: str) -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _component(component),
    ]


def formatter(settings, component: str = "api") -> logging.Formatter:
    """The formatter every line goes through: JSON in production (or log_format "json"), else for a console."""
    choice = getattr(settings, "log_format", "auto")
    as_json = choice == "json" or (choice == "auto" and settings.is_production)
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False) if as_json else \
        structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(component), structlog.processors.format_exc_info, redact_event],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, _component(component),
                    structlog.processors.format_exc_info, redact_event, renderer],
    )


_configured = False


def configure_structlog() -> None:
    """structlog hands its events to the standard library's loggers (so one handler writes them all)."""
    global _configured
    if _configured:
        return
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.stdlib.filter_by_level,
                    structlog.stdlib.add_logger_name, structlog.stdlib.add_log_level,
                    structlog.stdlib.PositionalArgumentsFormatter(), structlog.processors.TimeStamper(fmt="iso",
                                                                                                       utc=True),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _configured = True


class _OurHandler(logging.StreamHandler):
    """The root handler configure_logging installs (recognised so a second call replaces it, not adds one)."""


def configure_logging(settings, component: str = "api", stream=None) -> logging.Handler:
    """One handler on the root logger writing every line (ours, uvicorn's, arq's...) in one format to `stream`
    (standard error by default) at settings.log_level. Handlers others installed (pytest's) are left alone."""
    configure_structlog()
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    handler = _OurHandler(stream or sys.stderr)
    handler.setFormatter(formatter(settings, component))
    root.addHandler(handler)
    root.setLevel(getattr(logging, str(settings.log_level).upper(), logging.INFO))
    # their own default configuration would write them a second time (uvicorn.access is left as `serve` set it:
    # off, RequestIdMiddleware writes a line per request instead)
    for name in ("uvicorn", "uvicorn.error", "arq", "arq.worker"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True
    return handler


def get_logger(name: str):
    configure_structlog()
    return structlog.get_logger(name)


# ------------------------------------------------------------------------------------------------ request ids


def request_id_from(value: bytes | None) -> str:
    """The client's id when it is sane, else a new one."""
    if value:
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError:
            text = ""
        if _SANE_REQUEST_ID.match(text):
            return text
    return uuid.uuid4().hex


def operation_name(name: object, query: object = None) -> str | None:
    """The GraphQL operation's name as sent (operationName), else the name of the document's only operation."""
    if not name and isinstance(query, str):
        found = _OPERATION_IN_TEXT.findall(query[:10_000])
        name = found[0] if len(found) == 1 else None
    return name if isinstance(name, str) and _OPERATION.match(name) else None


def note_operation(name: object, query: object = None) -> None:
    """Called by the GraphQL view for each operation: its name goes on the request's line, on every later line of
    the request, and on an error reported to Sentry."""
    found = operation_name(name, query)
    if found is None:
        return
    current = _REQUEST.get()
    if current is not None:
        current["operation"] = found
    structlog.contextvars.bind_contextvars(operation=found)
    from backend.ops.sentry import tag_operation

    tag_operation(found)


def current_request_id() -> str | None:
    current = _REQUEST.get()
    return current.get("request_id") if current else None


class RequestIdMiddleware:
    """ASGI middleware (the outermost): a request id per HTTP request and WebSocket connection, bound to its log
    lines and returned in X-Request-ID; one "request" line when the answer is complete."""

    def __init__(self, app) -> None:
        self.app = app
        self.log = get_logger("mototrack.request")

    async def __call__(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = None
        for key, value in scope.get("headers") or ():
            if key == REQUEST_ID_HEADER:
                given = value
                break
        request_id = request_id_from(given)
        record = {"request_id": request_id, "status": None}
        scope.setdefault("state", {})["request_id"] = request_id
        token = _REQUEST.set(record)
        started = time.perf_counter()

        async def sending(message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                headers = [(k, v) for k, v in message.get("headers") or () if k.lower() != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message = {**message, "headers": headers}
                record["status"] = message.get("status", 101)
            elif message["type"] == "websocket.close" and record["status"] is None:
                record["status"] = 403  # refused before the handshake was accepted
            await send(message)

        failed = False
        with structlog.contextvars.bound_contextvars(request_id=request_id, operation=None):
            try:
                await self.app(scope, receive, sending)
            except Exception:
                failed = True
                if kind == "http" and record["status"] is None:
                    # Starlette's error handler answers outside this middleware: answer here, with the id
                    await sending({"type": "http.response.start", "status": 500,
                                   "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                    await send({"type": "http.response.body", "body": b"Internal Server Error"})
                raise
            finally:
                _REQUEST.reset(token)
                path = scope.get("path", "")
                query = scope.get("query_string") or b""
                if query:
                    path += "?" + query.decode("latin-1")
                fields = {"method": scope.get("method", "WS") if kind == "http" else "WS", "path": redact(path),
                          "status": record["status"] if not failed else 500,
                          "duration_ms": round((time.perf_counter() - started) * 1000, 1)}
                if record.get("operation"):
                    fields["operation"] = record["operation"]
                if scope.get("client"):
                    fields["client"] = scope["client"][0]
                self.log.info("request" if kind == "http" else "websocket", **fields)
