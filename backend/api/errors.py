"""UserError in payloads, and the GraphQL errors for authentication, permission and bad arguments."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from backend.core.errors import MESSAGES, DomainError, DomainErrors, ErrorCode
from backend.core.i18n import N_, translate

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
