"""Schema extensions: one transaction per operation, cached parse + validation with limits, error masking."""

from __future__ import annotations

import logging
import re
import sys
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator

import graphql.pyutils.did_you_mean  # noqa: F401  (loads the module so it can be configured below)
from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from backend.api.errors import PublicError, unexpected_error
from backend.core.i18n import N_, translate

log = logging.getLogger("mototrack.graphql")

# No "did you mean ...?" hints: they would describe the schema to someone probing it.
sys.modules["graphql.pyutils.did_you_mean"].MAX_LENGTH = 0


def _depth_rule(max_depth: int) -> type[ASTValidationRule]:
    class MaxDepthRule(ASTValidationRule):
        def enter_document(self, node, *_args):
            fragments = {d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)}

            def depth(selection_set, seen: frozenset) -> int:
                if selection_set is None:
                    return 0
                best = 0
                for sel in selection_set.selections:
                    if isinstance(sel, FieldNode):
                        if sel.name.value.startswith("__") and sel.selection_set is None:
                            continue
                        best = max(best, 1 + depth(sel.selection_set, seen) if sel.selection_set else 1)
                    elif isinstance(sel, InlineFragmentNode):
                        best = max(best, depth(sel.selection_set, seen))
                    elif isinstance(sel, FragmentSpreadNode):
                        name = sel.name.value
                        if name in seen or name not in fragments:
                            continue
                        best = max(best, depth(fragments[name].selection_set, seen | {name}))
                return best

            for definition in node.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    if definition.name and definition.name.value == "IntrospectionQuery":
                        continue
                    if depth(definition.selection_set, frozenset()) > max_depth:
                        self.report_error(GraphQLError(f"The query is nested deeper than {max_depth} levels.",
                                                       definition, extensions={"code": "QUERY_TOO_COMPLEX"}))
            return self.BREAK

    return MaxDepthRule


def _alias_rule(max_aliases: int) -> type[ASTValidationRule]:
    class MaxAliasesRule(ASTValidationRule):
        count = 0

        def enter_field(self, node: FieldNode, *_args):
            if node.alias is not None:
                self.count += 1
                if self.count == max_aliases + 1:
                    self.report_error(GraphQLError(f"The query uses more than {max_aliases} aliases.", node,
                                                   extensions={"code": "QUERY_TOO_COMPLEX"}))

    return MaxAliasesRule


class DocumentCache:
    """Parses and validates each distinct query text once. Rules are built once, so the cache really hits."""

    def __init__(self, schema, *, max_depth: int, max_aliases: int, max_tokens: int, introspection: bool,
                 maxsize: int = 512) -> None:
        self.schema = schema
        self.max_tokens = max_tokens
        rules = [*specified_rules, MaybeNullValidationRule, OneOfInputValidationRule,
                 _depth_rule(max_depth), _alias_rule(max_aliases)]
        if not introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = tuple(rules)
        self.maxsize = maxsize
        self._entries: OrderedDict[str, tuple] = OrderedDict()
        self.parses = 0
        self.validations = 0
        self.hits = 0

    def get(self, query: str):
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
            self.hits += 1
            return entry
        self.parses += 1
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLError as error:
            entry = (None, [error])
        else:
            self.validations += 1
            entry = (document, validate(self.schema._schema, document, self.rules))
        self._entries[query] = entry
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return entry


def make_document_cache_extension(cache: DocumentCache) -> type[SchemaExtension]:
    class CachedDocument(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            ec = self.execution_context
            if ec.query is not None:
                document, errors = cache.get(ec.query)
                if document is None:
                    # a syntax error: let strawberry raise it the usual way
                    pass
                else:
                    ec.graphql_document = document
                    ec.pre_execution_errors = list(errors) if errors else []
            yield

        def on_validate(self) -> Iterator[None]:
            yield

    return CachedDocument


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
    elif extensions.get("code") == "QUERY_TOO_COMPLEX":
        message = translate(locale, INVALID_REQUEST_MESSAGE)
    elif "Syntax Error" in detail or "token" in detail.lower():
        message = translate(locale, UNREADABLE_REQUEST_MESSAGE)
        extensions.setdefault("code", "GRAPHQL_PARSE_FAILED")
    else:
        message = translate(locale, INVALID_REQUEST_MESSAGE)
        extensions.setdefault("code", "GRAPHQL_VALIDATION_FAILED")
    extensions["detail"] = detail  # graphql-core's own (English) words, for an integrator's logs
    return GraphQLError(f"{message} {detail}" if locale == "en" else message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=error.path, extensions=extensions)


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
