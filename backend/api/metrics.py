"""Prometheus metrics at GET /metrics (prometheus-client's text format).

What is measured:
- `mototrack_graphql_requests_total{operation, transport}` and `mototrack_graphql_request_seconds{...}`: every GraphQL
  operation over HTTP (the fast read path included) and over the WebSocket (`ws`). `operation` is the request's
  operationName (without one, the name of the document's only operation), "anonymous" when there is none; to bound the labels only the names of the trusted documents (the PWA's
  operations) and at most `MAX_OTHER_NAMES` other names are kept, the rest read "other". Over the WebSocket a
  subscription is counted when it starts; its lifetime is no latency, so only queries and mutations are timed.
- `mototrack_graphql_errors_total{code, transport}`: the errors returned, by their `extensions.code` ("NONE" when an
  error has none).
- `mototrack_db_pool_*{engine}`: SQLAlchemy's pool of backend.core.db (checked out, size, overflow).
- `mototrack_outbox_backlog{status}` and `mototrack_outbox_oldest_pending_seconds`: notifications waiting (QUEUED) or
  being sent (SENDING), read with one statement at each scrape.
- `mototrack_worker_jobs_total{job, outcome}`: outbox deliveries by the in-process runner of this process (embedded
  mode) and, when Redis is configured, by the arq workers (they count into a Redis hash every process reads).
- `mototrack_websocket_connections` (open GraphQL WebSockets of this process) and `mototrack_live_subscriptions`.

With `serve --workers N` the counters, histograms and the WebSocket gauge are prometheus-client's multiprocess
kind (`PROMETHEUS_MULTIPROC_DIR`, which `serve` points at a fresh directory): whichever process answers a scrape
reports the sum over all of them. The pool and live-subscription figures are those of the process that answers; the
ones read from the database or Redis (outbox, arq jobs) are the same in each.

Access: outside production the endpoint is open; in production it needs `metrics_token` (Authorization: Bearer
<token>) and answers 404 while the setting is empty.
"""

from __future__ import annotations

import hmac
import os
import re
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from backend.api.trusted import TrustedTransportWSHandler
from backend.core.db import utcnow

MAX_OTHER_NAMES = 50  # distinct operation names outside the trusted documents that get their own label
REDIS_JOBS_KEY = "mototrack:metrics:worker_jobs"  # hash "<job>:<outcome>" -> count, written by the arq workers
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,99}$")
_OPERATION_NAMES = re.compile(r"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")

# process-wide (one process, one set of figures; the apps a test run makes share them)
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("mototrack_graphql_requests", "GraphQL operations received", ["operation", "transport"],
                   registry=REGISTRY)
LATENCY = Histogram("mototrack_graphql_request_seconds", "Time to answer a GraphQL query or mutation",
                    ["operation", "transport"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
ERRORS = Counter("mototrack_graphql_errors", "GraphQL errors returned, by extensions.code", ["code", "transport"],
                 registry=REGISTRY)
JOBS = Counter("mototrack_worker_jobs", "Outbox deliveries run by this process's in-process runner",
               ["job", "outcome"], registry=REGISTRY)
WEBSOCKETS = Gauge("mototrack_websocket_connections", "Open GraphQL WebSocket connections", registry=REGISTRY,
                   multiprocess_mode="livesum")


def process_registry() -> CollectorRegistry:
    """The process-wide figures: this process's, or under `serve --workers N` the sum over every worker process."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def count_job(job: str, outcome: str) -> None:
    JOBS.labels(job, outcome).inc()


async def count_job_in_redis(redis, job: str, outcome: str) -> None:
    """An arq worker's count (the API processes read the hash at each scrape)."""
    await redis.hincrby(REDIS_JOBS_KEY, f"{job}:{outcome}", 1)


def error_codes(errors) -> list[str]:
    """The extensions.code of each error: GraphQLError objects or their formatted dicts."""
    codes = []
    for error in errors or ():
        extensions = error.get("extensions") if isinstance(error, dict) else getattr(error, "extensions", None)
        code = extensions.get("code") if isinstance(extensions, dict) else None
        codes.append(code if isinstance(code, str) and _NAME.match(code) else "NONE")
    return codes


def count_errors(errors, transport: str) -> None:
    for code in error_codes(errors):
        ERRORS.labels(code, transport).inc()


class OperationNames:
    """The label for an operationName: the trusted documents' names, up to MAX_OTHER_NAMES others, else "other"."""

    def __init__(self, trusted_texts=(), limit: int = MAX_OTHER_NAMES) -> None:
        self.trusted = {name for text in trusted_texts for name in _OPERATION_NAMES.findall(text)}
        self.others: set[str] = set()
        self.limit = limit

    def label(self, name: object, query: object = None) -> str:
        if not name and isinstance(query, str):  # no operationName: the document's one named operation, if any
            found = _OPERATION_NAMES.findall(query)
            name = found[0] if len(found) == 1 else None
        if not name:
            return "anonymous"
        if not isinstance(name, str) or not _NAME.match(name):
            return "other"
        if name in self.trusted or name in self.others:
            return name
        if len(self.others) < self.limit:
            self.others.add(name)
            return name
        return "other"


class Timer:
    """One operation: counted at once, its time observed by `done`."""

    __slots__ = ("label", "transport", "start")

    def __init__(self, names: OperationNames, operation_name: object, transport: str, query: object = None) -> None:
        self.label = names.label(operation_name, query)
        self.transport = transport
        self.start = time.perf_counter()
        REQUESTS.labels(self.label, transport).inc()

    def done(self, errors=None) -> None:
        LATENCY.labels(self.label, self.transport).observe(time.perf_counter() - self.start)
        count_errors(errors, self.transport)


class _PoolCollector:
    def __init__(self, db) -> None:
        self.db = db

    def collect(self):
        checked_out = GaugeMetricFamily("mototrack_db_pool_checked_out", "Connections in use", labels=["engine"])
        size = GaugeMetricFamily("mototrack_db_pool_size", "Connections the pool keeps", labels=["engine"])
        overflow = GaugeMetricFamily("mototrack_db_pool_overflow", "Connections opened beyond the pool size",
                                     labels=["engine"])
        engines = [("write", self.db.write_engine)]
        if self.db.is_sqlite:
            engines.append(("read", self.db.read_engine))
        for name, engine in engines:
            pool = engine.pool
            for family, method in ((checked_out, "checkedout"), (size, "size"), (overflow, "overflow")):
                value = getattr(pool, method, None)
                if callable(value):
                    family.add_metric([name], value())
        yield from (checked_out, size, overflow)


class _CallbackCollector:
    def __init__(self, families) -> None:
        self.families = families

    def collect(self):
        for family in self.families():
            yield family


class Metrics:
    """One app's view: its operation names, its pool, outbox and live subscriptions."""

    def __init__(self, services, trusted_texts=()) -> None:
        self.services = services
        self.names = OperationNames(trusted_texts)
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_PoolCollector(services.db))
        self._scraped: list = []
        self.registry.register(_CallbackCollector(lambda: self._scraped))

    def timer(self, operation_name: object, transport: str, query: object = None) -> Timer:
        return Timer(self.names, operation_name, transport, query)

    async def _read(self) -> list:
        from backend.notifications.models import Notification, NotificationStatus

        pending = (NotificationStatus.QUEUED, NotificationStatus.SENDING)
        async with self.services.db.read() as session:
            rows = (await session.execute(
                select(Notification.status, func.count(), func.min(Notification.created_at))
                .where(Notification.status.in_(pending)).group_by(Notification.status)
            )).all()
        backlog = GaugeMetricFamily("mototrack_outbox_backlog", "Notifications waiting or being sent",
                                    labels=["status"])
        by_status = {status: (count, oldest) for status, count, oldest in rows}
        oldest = [o for _c, o in by_status.values() if o is not None]
        for status in pending:
            backlog.add_metric([status.value], by_status.get(status, (0, None))[0])
        age = GaugeMetricFamily("mototrack_outbox_oldest_pending_seconds",
                                "Age of the oldest notification waiting or being sent (0: none)")
        age.add_metric([], max(0.0, (utcnow() - min(oldest)).total_seconds()) if oldest else 0.0)
        live = self.services.live
        subscriptions = GaugeMetricFamily("mototrack_live_subscriptions", "Live GraphQL subscriptions of this process")
        subscriptions.add_metric([], live.count() if live is not None else 0)
        families = [backlog, age, subscriptions]
        families.extend(await self._arq_jobs())
        return families

    async def _arq_jobs(self) -> list:
        redis = getattr(self.services.pubsub, "redis", None)
        if redis is None:
            return []
        raw = await redis.hgetall(REDIS_JOBS_KEY)
        family = GaugeMetricFamily("mototrack_arq_jobs", "Outbox deliveries run by the arq workers (all of them)",
                                   labels=["job", "outcome"])
        for key, value in sorted(raw.items()):
            key = key.decode() if isinstance(key, bytes) else key
            job, _, outcome = key.partition(":")
            family.add_metric([job, outcome], float(value))
        return [family]

    def allowed(self, request: Request) -> bool | None:
        """True: answer; False: 401 (a token is set and not given); None: 404 (production without a token)."""
        settings = self.services.settings
        if not settings.is_production:
            return True
        token = settings.metrics_token
        if not token:
            return None
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())

    async def endpoint(self, request: Request) -> Response:
        allowed = self.allowed(request)
        if allowed is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        if not allowed:
            return Response("Unauthorized", status_code=401, media_type="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        self._scraped = await self._read()
        body = generate_latest(process_registry()) + generate_latest(self.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


class WebSocketCount:
    """ASGI wrapper: the open WebSocket connections of a route in WEBSOCKETS."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        WEBSOCKETS.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            WEBSOCKETS.dec()


def _is_subscription(query: object, operation_name: object) -> bool:
    from graphql import GraphQLError, OperationType, get_operation_ast, parse

    if not isinstance(query, str):
        return False
    try:
        operation = get_operation_ast(parse(query), operation_name if isinstance(operation_name, str) else None)
    except (GraphQLError, ValueError, TypeError):
        return False
    return operation is not None and operation.operation == OperationType.SUBSCRIPTION


class MeteredWSHandler(TrustedTransportWSHandler):
    """graphql-transport-ws with the metrics: an operation is counted when it is subscribed; a query or mutation is
    timed until its first answer; the errors of every `next` and `error` message are counted by code."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._metered: dict[str, Timer] = {}

    async def handle_subscribe(self, message) -> None:
        metrics = getattr(self.view, "metrics", None)
        await super().handle_subscribe(message)
        ident = message.get("id") if isinstance(message, dict) else None
        operation = self.operations.get(ident) if ident is not None else None
        if metrics is None or operation is None:
            return
        timer = metrics.timer(operation.operation_name, "ws", operation.query)
        if not _is_subscription(operation.query, operation.operation_name):
            self._metered[ident] = timer

    async def send_message(self, message) -> None:
        kind = message.get("type")
        if kind in ("next", "error"):
            payload = message.get("payload")
            errors = payload.get("errors") if kind == "next" and isinstance(payload, dict) else payload
            timer = self._metered.pop(message.get("id"), None)
            if timer is not None:
                timer.done(errors if isinstance(errors, list) else None)
            elif isinstance(errors, list):
                count_errors(errors, "ws")
        await super().send_message(message)
