"""UserError in payloads, and the GraphQL errors for authentication, permission and bad arguments."""

from __future__ import annotations

import errno
import logging
import socket

import strawberry
from graphql import GraphQLError

from backend.core.errors import MESSAGES, DomainError, DomainErrors, ErrorCode
from backend.core.i18n import N_, translate

log = logging.getLogger("mototrack.graphql")

ErrorCodeEnum = strawberry.enum(ErrorCode, name="ErrorCode", description="What went wrong, for clients to act on.")


@strawberry.type(description="An expected failure, returned in a mutation payload. The message is localized.")
class UserError:
    field: str | None
    code: ErrorCodeEnum
    message: str


def user_errors(exc: DomainError | DomainErrors, locale: str) -> list[UserError]:
    items = exc.errors if isinstance(exc, DomainErrors) else [exc]
    return [UserError(field=e.field, code=e.code, message=e.message(locale)) for e in items]


UNAUTHENTICATED_MESSAGE = N_("Sign in to continue.")
FORBIDDEN_MESSAGE = N_("You do not have permission to do this.")
UNEXPECTED_MESSAGE = N_("Something went wrong on our side. Try again.")


class PublicError(GraphQLError):
    """A GraphQL error whose message is meant for the client (never masked)."""


def unauthenticated(locale: str) -> PublicError:
    return PublicError(translate(locale, UNAUTHENTICATED_MESSAGE), extensions={"code": "UNAUTHENTICATED"})


def forbidden(locale: str) -> PublicError:
    return PublicError(translate(locale, FORBIDDEN_MESSAGE), extensions={"code": "FORBIDDEN"})


def bad_input(locale: str, code: ErrorCode, field: str | None = None, **params) -> PublicError:
    return PublicError(
        translate(locale, MESSAGES[code], **params),
        extensions={"code": "BAD_USER_INPUT", "reason": code.value, "field": field},
    )


def from_domain(exc: DomainError, locale: str) -> PublicError:
    return PublicError(exc.message(locale), extensions={"code": "BAD_USER_INPUT", "reason": exc.code.value,
                                                        "field": exc.field})


SERVICE_UNAVAILABLE_MESSAGE = N_("MotoTrack cannot reach its database right now. Try again in a moment.")


def service_unavailable(locale: str) -> PublicError:
    """The database (or another service a request needs) cannot be reached: HTTP 503, worth retrying."""
    return PublicError(translate(locale, SERVICE_UNAVAILABLE_MESSAGE), extensions={"code": "SERVICE_UNAVAILABLE"})


_NETWORK_ERRNOS = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.ETIMEDOUT}
# SQLite's words for a database file it cannot open or use for now (anything else is a bug, not an outage)
_SQLITE_UNAVAILABLE = ("unable to open database file", "database is locked", "disk i/o error",
                       "attempt to write a readonly database", "database or disk is full")


def is_unavailable(exc: BaseException | None) -> bool:
    """Whether an exception (or one it came from) means the database cannot be reached, as opposed to a bug."""
    from sqlalchemy import exc as sa_exc

    try:
        import asyncpg
        pg_unavailable: tuple[type, ...] = (asyncpg.exceptions.PostgresConnectionError,
                                            asyncpg.exceptions.CannotConnectNowError,
                                            asyncpg.exceptions.TooManyConnectionsError,
                                            asyncpg.exceptions.ConnectionDoesNotExistError)
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        pg_unavailable = ()
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (ConnectionError, TimeoutError, sa_exc.TimeoutError, *pg_unavailable)):
            return True
        if isinstance(exc, socket.gaierror) or (isinstance(exc, OSError) and exc.errno in _NETWORK_ERRNOS):
            return True  # no such host, host or network unreachable
        if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, sa_exc.OperationalError) and any(w in str(exc.orig).lower() for w in _SQLITE_UNAVAILABLE):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def unexpected_error(ctx, exc: BaseException, error: GraphQLError | None = None) -> GraphQLError:
    """What the client sees of an exception nobody expected: 503 SERVICE_UNAVAILABLE when the database cannot be
    reached (logged as a warning), else the masked INTERNAL_SERVER_ERROR (logged with its stack)."""
    locale = getattr(ctx, "locale", "en")
    where = dict(nodes=error.nodes, positions=error.positions, path=error.path) if error is not None else {}
    if is_unavailable(exc):
        log.warning("database unavailable: %s", exc)
        response = getattr(ctx, "response", None)
        if response is not None:
            response.status_code = 503
            response.headers["Retry-After"] = "5"
        return GraphQLError(translate(locale, SERVICE_UNAVAILABLE_MESSAGE), **where,
                            extensions={"code": "SERVICE_UNAVAILABLE"})
    log.error("unexpected error in %s", error.path if error is not None else "the operation", exc_info=exc)
    return GraphQLError(translate(locale, UNEXPECTED_MESSAGE), **where, extensions={"code": "INTERNAL_SERVER_ERROR"})
