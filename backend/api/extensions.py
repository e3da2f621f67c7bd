"""Schema extensions: one transaction per operation, and error shaping and masking.

Parsing, pricing and validating documents (limits and the document cache) is in backend.api.documents."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import AsyncIterator, Iterator

import graphql.pyutils.did_you_mean  # noqa: F401  (loads the module so it can be configured below)
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from backend.api.documents import TOO_COMPLEX, TOO_COMPLEX_MESSAGE
from backend.api.errors import PublicError, unexpected_error
from backend.core.i18n import N_, translate

log = logging.getLogger("mototrack.graphql")

# No "did you mean ...?" hints: they would describe the schema to someone probing it.
sys.modules["graphql.pyutils.did_you_mean"].MAX_LENGTH = 0


class OperationScope(SchemaExtension):
    """Per-operation state, and the transaction: commit unless the operation itself failed, else roll back.

    A mutation is kept when its root fields resolved: an error inside a payload's selection (say FORBIDDEN on a
    nested field the role may not read) does not undo it. A root field that failed, an unexpected error anywhere,
    or an error about the request rolls everything back — and then `data` is dropped, so no payload can claim a
    change that did not happen. Events registered during the transaction are published only after the commit.
    """

    async def on_operation(self) -> AsyncIterator[None]:
        ctx = self.execution_context.context
        ctx.reset()
        ok = False
        try:
            yield
            result = self.execution_context.result
            errors = (getattr(result, "errors", None) or []) if result is not None else []
            ok = not any(_undoes_operation(e) for e in errors)
            if not ok and ctx.has_session and result is not None and getattr(result, "data", None) is not None:
                result.data = None
        finally:
            try:
                await ctx.finish(ok)
            except Exception as exc:  # noqa: BLE001 - the commit failed: nothing happened, and the answer says so
                result = self.execution_context.result
                if result is None:
                    raise
                result.data = None
                result.errors = [unexpected_error(ctx, exc)]


    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.operation_type is OperationType.QUERY and hasattr(ec.context, "share_reads"):
            ec.context.share_reads = True  # one read session for the whole query (closed in finish)
        yield


def _undoes_operation(error: GraphQLError) -> bool:
    path = error.path
    if not path or len(path) == 1:
        return True  # the request itself, or a root field, failed
    if (error.extensions or {}).get("code") == "INTERNAL_SERVER_ERROR":
        return True
    original = error.original_error
    return original is not None and not isinstance(original, PublicError)


WRONG_TYPE_MESSAGE = N_("The value of {field} is not of the expected type.")
INVALID_REQUEST_MESSAGE = N_("The request does not match the API.")
UNREADABLE_REQUEST_MESSAGE = N_("The request could not be read.")
_VARIABLE_RE = re.compile(r"^Variable '\$(\w+)'")
_VARIABLE_PATH_RE = re.compile(r" at '?\.?([\w.\[\]]+?)'?[:;]")
# graphql-core's words when a text passes the parser's token or length limit (a refusal, not a typo)
_PARSE_LIMIT_RE = re.compile(r"^Syntax Error: (Document contains more than \d+ tokens|Document is nested too deeply"
                             r"|Source contains more than)")


def _request_error(error: GraphQLError, locale: str) -> GraphQLError:
    """An error about the request itself (syntax, validation, variable types): localized, with a code."""
    detail = error.message
    extensions = dict(error.extensions or {})
    match = _VARIABLE_RE.match(detail)
    if match:
        path = _VARIABLE_PATH_RE.search(detail)
        field = match.group(1) + ("." + path.group(1).removeprefix(match.group(1) + ".") if path else "")
        message = translate(locale, WRONG_TYPE_MESSAGE, field=field)
        extensions.update(code="BAD_USER_INPUT", field=field)
    elif extensions.get("code") == TOO_COMPLEX or _PARSE_LIMIT_RE.match(detail):
        message = translate(locale, TOO_COMPLEX_MESSAGE)
        extensions["code"] = TOO_COMPLEX
    elif "Syntax Error" in detail or "token" in detail.lower():
        message = translate(locale, UNREADABLE_REQUEST_MESSAGE)
        extensions.setdefault("code", "GRAPHQL_PARSE_FAILED")
    else:
        message = translate(locale, INVALID_REQUEST_MESSAGE)
        extensions.setdefault("code", "GRAPHQL_VALIDATION_FAILED")
    extensions["detail"] = detail  # graphql-core's own (English) words, for an integrator's logs
    shaped = GraphQLError(f"{message} {detail}" if locale == "en" else message, path=error.path, extensions=extensions)
    # the same place in the text, without working its line and column out again (a scan of the whole text)
    shaped.nodes, shaped.source, shaped.positions, shaped.locations = (error.nodes, error.source, error.positions,
                                                                       error.locations)
    return shaped


class ShapeErrors(SchemaExtension):
    """Localize errors about the request, pass PublicErrors through, and mask everything else.

    Unexpected errors never show their text (no stack traces or internals reach a client); they are logged.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if not errors:
            return
        ctx = self.execution_context.context
        locale = getattr(ctx, "locale", "en")
        shaped = []
        for error in errors:
            original = error.original_error
            if isinstance(error, PublicError) or isinstance(original, PublicError):
                shaped.append(error)
            elif error.path is None and error.message.startswith("Variable '$"):
                shaped.append(_request_error(error, locale))
            elif original is None and error.path is None:
                shaped.append(_request_error(error, locale))
            elif original is None and (error.extensions or {}).get("code"):
                shaped.append(error)
            else:
                shaped.append(unexpected_error(ctx, original or error, error))
        result.errors = shaped
