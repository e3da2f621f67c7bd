"""GraphQL documents: parsed with limits, priced cheaply before validation, and cached once they pass.

Every document goes through four gates, each bounded by the work of the one before it:

1. parse with graphql-core's token limit and a source-length limit (a 50,000-token text stops at token 2,001);
2. a pre-validation pass over the AST that prices the document as it would expand: fields, aliases, fragment
   spreads and directives, each fragment priced once (memoised) so a chain of fragments that spread the next one
   twice costs n steps here, not 2^n; directives are counted per node; unknown and cyclic spreads are refused;
3. Strawberry's own limit rules (``QueryDepthLimiter``'s and ``MaxAliasesLimiter``'s validators), safe to run only
   now that the expansion is known to be small (they walk every expanded path);
4. the full GraphQL validation.

Only a document that passed all four is cached, in an LRU bounded in (estimated) bytes, so refused texts and a
stream of distinct large ones cannot grow the process.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as query_depth_rule
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from backend.core.i18n import N_

TOO_COMPLEX = "QUERY_TOO_COMPLEX"
TOO_COMPLEX_MESSAGE = N_("The request is too large or too complex. Ask for fewer fields, or split it into several "
                         "requests.")
REQUEST_TOO_LARGE_MESSAGE = N_("The request is larger than the server accepts ({limit} KB at most).")

# What one cached entry costs beyond its text: the AST nodes and the token list graphql-core keeps for locations
# (measured with tracemalloc on graphql-core 3.3: about 110 bytes per token; rounded up).
BYTES_PER_TOKEN = 160
ENTRY_OVERHEAD = 600


@dataclass(frozen=True)
class DocumentLimits:
    max_tokens: int = 2000
    max_length: int = 100_000
    max_depth: int = 10
    max_aliases: int = 30
    max_fields: int = 2000
    max_fragment_spreads: int = 200
    max_directives: int = 50
    max_directives_per_node: int = 4

    @classmethod
    def from_settings(cls, settings) -> DocumentLimits:
        return cls(max_tokens=settings.max_tokens, max_length=settings.max_query_length,
                   max_depth=settings.max_query_depth, max_aliases=settings.max_aliases,
                   max_fields=settings.max_fields, max_fragment_spreads=settings.max_fragment_spreads,
                   max_directives=settings.max_directives, max_directives_per_node=settings.max_directives_per_node)

    @property
    def parse_options(self) -> dict:
        return {"max_tokens": self.max_tokens, "max_source_length": self.max_length}


# One match per lexical token as graphql-core counts them (comments included, commas and white space not), for a
# scan at C speed that refuses a text with too many tokens before the (pure Python) parser reads 2,000 of them.
_TOKEN_RE = re.compile(r'"""(?:\\"""|[^"]|"(?!""))*"""|"(?:\\.|[^"\\\n\r])*"|#[^\n\r]*|\.\.\.'
                       r'|[_A-Za-z][_0-9A-Za-z]*|-?\d[\d.eE+-]*|[^\s,]')


def _more_tokens_than(query: str, limit: int) -> bool:
    return sum(1 for _ in itertools.islice(_TOKEN_RE.finditer(query), limit + 1)) > limit


def _placeholder(operation_name: str | None) -> DocumentNode:
    """A document that stands for a refused text in Strawberry's pipeline (which would otherwise parse the text
    again, or trip over an operation name the refused text does not define): never executed, since the refusal's
    errors come with it; a query, named as the request asked, so Strawberry's operation checks pass and the client
    gets the refusal itself."""
    name = NameNode(value=operation_name) if operation_name else None
    return DocumentNode(definitions=(OperationDefinitionNode(
        operation=OperationType.QUERY, name=name, directives=(), variable_definitions=(),
        selection_set=SelectionSetNode(selections=(FieldNode(name=NameNode(value="__typename"), directives=(),
                                                               arguments=()),))),))


class _Refused(Exception):
    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


def _too_complex(detail: str, node=None) -> _Refused:
    return _Refused(GraphQLError(detail, node, extensions={"code": TOO_COMPLEX}))


def _invalid(detail: str, node) -> _Refused:
    return _Refused(GraphQLError(detail, node, extensions={"code": "GRAPHQL_VALIDATION_FAILED"}))


class _Cost:
    __slots__ = ("aliases", "directives", "fields", "spreads")

    def __init__(self) -> None:
        self.fields = self.aliases = self.spreads = self.directives = 0

    def add(self, other: _Cost) -> None:
        self.fields += other.fields
        self.aliases += other.aliases
        self.spreads += other.spreads
        self.directives += other.directives


class _Pricer:
    """Prices a document as it would expand, each fragment once."""

    def __init__(self, document: DocumentNode, limits: DocumentLimits) -> None:
        self.limits = limits
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                self.fragments.setdefault(definition.name.value, definition)
        self.priced: dict[str, _Cost] = {}
        self.pricing: set[str] = set()

    def directives(self, node) -> int:
        count = len(node.directives or ())
        if count > self.limits.max_directives_per_node:
            raise _too_complex(f"A selection carries {count} directives (at most "
                               f"{self.limits.max_directives_per_node}).", node)
        return count

    def selection_set(self, selection_set: SelectionSetNode | None) -> _Cost:
        cost = _Cost()
        if selection_set is None:
            return cost
        for selection in selection_set.selections:
            cost.directives += self.directives(selection)
            if isinstance(selection, FieldNode):
                cost.fields += 1
                cost.aliases += selection.alias is not None
                cost.add(self.selection_set(selection.selection_set))
            elif isinstance(selection, InlineFragmentNode):
                cost.add(self.selection_set(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                cost.spreads += 1
                cost.add(self.fragment(selection))
        return cost

    def fragment(self, spread: FragmentSpreadNode) -> _Cost:
        name = spread.name.value
        if name in self.priced:
            return self.priced[name]
        definition = self.fragments.get(name)
        if definition is None:
            raise _invalid(f"Unknown fragment '{name}'.", spread)
        if name in self.pricing:
            raise _invalid(f"Cannot spread fragment '{name}' within itself.", spread)
        self.pricing.add(name)
        cost = self.selection_set(definition.selection_set)
        cost.directives += self.directives(definition)
        self.pricing.discard(name)
        self.priced[name] = cost
        return cost

    def check(self, cost: _Cost, node) -> None:
        limits = self.limits
        for value, limit, what in ((cost.fields, limits.max_fields, "fields"),
                                   (cost.spreads, limits.max_fragment_spreads, "fragment spreads"),
                                   (cost.aliases, limits.max_aliases, "aliases"),
                                   (cost.directives, limits.max_directives, "directives")):
            if value > limit:
                raise _too_complex(f"The document expands to {value} {what} (at most {limit}).", node)


def price_document(document: DocumentNode, limits: DocumentLimits) -> GraphQLError | None:
    """The pre-validation pass: an error when the document would expand beyond the limits, else None.

    Work is linear in the size of the document's text (which the token limit bounds), whatever it expands to.
    """
    pricer = _Pricer(document, limits)
    total = _Cost()
    try:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                cost = pricer.selection_set(definition.selection_set)
                cost.directives += pricer.directives(definition)
                for variable in definition.variable_definitions or ():
                    cost.directives += pricer.directives(variable)
                total.add(cost)
                pricer.check(total, definition)
            elif isinstance(definition, FragmentDefinitionNode):
                # fragments no operation uses are still validated: price them too
                pricer.check(pricer.fragment(_spread_of(definition)), definition)
    except _Refused as refused:
        return refused.error
    except RecursionError:
        return GraphQLError("The document is nested too deeply.", extensions={"code": TOO_COMPLEX})
    return None


def _spread_of(definition: FragmentDefinitionNode) -> FragmentSpreadNode:
    return FragmentSpreadNode(name=definition.name, directives=(), loc=definition.loc)


def _token_count(document: DocumentNode) -> int:
    loc = document.loc
    if loc is None:
        return 0
    count, token = 0, loc.start_token
    while token is not None:
        count += 1
        token = token.next
    return count


class DocumentCache:
    """Parses, prices and validates each distinct query text; keeps the ones that passed, up to `max_bytes`.

    Validation rules are built once, so a repeated text really hits. Counters (`parses`, `validations`, `hits`,
    `refusals`) are there for tests and the benchmark.
    """

    def __init__(self, schema, limits: DocumentLimits, *, introspection: bool, max_bytes: int = 16 * 1024 * 1024):
        self.schema = schema
        self.limits = limits
        # QueryDepthLimiter counts the nesting of fields below the root and not the leaf, so a setting of N levels
        # (leaf included, as documented) is its N - 1.
        self.limit_rules = (query_depth_rule(max(limits.max_depth - 1, 0), None),
                            max_aliases_rule(limits.max_aliases))
        rules = [*specified_rules, MaybeNullValidationRule, OneOfInputValidationRule]
        if not introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = tuple(rules)
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[DocumentNode, int]] = OrderedDict()
        self.parses = self.validations = self.hits = self.refusals = 0
        self.throttle = None  # a RefusalThrottle: each refused document counts against its sender's address
        # the texts of the app's trusted documents (backend.api.trusted): validated, never priced, never evicted
        self.trusted: frozenset[str] = frozenset()
        self._trusted: dict[str, DocumentNode] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, query: str) -> bool:
        return query in self._entries

    def get(self, query: str) -> tuple[DocumentNode | None, list[GraphQLError]]:
        """(document, []) for a document that passed; (document, errors) for one refused after parsing;
        (None, errors) for a text refused before or while parsing."""
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
            self.hits += 1
            return entry[0], []
        if query in self.trusted:
            return self._get_trusted(query)
        limits = self.limits
        if len(query) <= limits.max_length and _more_tokens_than(query, limits.max_tokens):
            self.refusals += 1
            return None, [GraphQLError(f"Syntax Error: Document contains more than {limits.max_tokens} tokens. "
                                       "Parsing aborted.", extensions={"code": TOO_COMPLEX})]
        self.parses += 1
        try:
            document = parse(query, **limits.parse_options)
        except GraphQLError as error:
            self.refusals += 1
            return None, [error]
        errors = self._check(document)
        if errors:
            self.refusals += 1
            return document, errors
        self._keep(query, document)
        return document, []

    def _get_trusted(self, query: str) -> tuple[DocumentNode | None, list[GraphQLError]]:
        """A trusted document: written by us and vetted at build time, so no token limit and no pricing; parsed
        and validated once (against this schema), then kept for the life of the process."""
        document = self._trusted.get(query)
        if document is not None:
            self.hits += 1
            return document, []
        self.parses += 1
        try:
            document = parse(query)
        except GraphQLError as error:
            return None, [error]
        self.validations += 1
        errors = validate(self.schema._schema, document, self.rules)
        if not errors:
            self._trusted[query] = document
        return document, errors

    def _check(self, document: DocumentNode) -> list[GraphQLError]:
        priced = price_document(document, self.limits)
        if priced is not None:
            return [priced]
        schema = self.schema._schema
        limited = validate(schema, document, self.limit_rules)
        if limited:
            return [GraphQLError(e.message, e.nodes, extensions={"code": TOO_COMPLEX}) for e in limited]
        self.validations += 1
        return validate(schema, document, self.rules)

    def _keep(self, query: str, document: DocumentNode) -> None:
        size = len(query.encode()) + BYTES_PER_TOKEN * _token_count(document) + ENTRY_OVERHEAD
        if size > self.max_bytes:
            return
        self._entries[query] = (document, size)
        self.bytes += size
        while self.bytes > self.max_bytes:
            _query, (_document, dropped) = self._entries.popitem(last=False)
            self.bytes -= dropped


def make_document_cache_extension(cache: DocumentCache) -> type[SchemaExtension]:
    class CachedDocument(SchemaExtension):
        def on_parse(self) -> Iterator[None]:
            ec = self.execution_context
            # Strawberry never parses a text itself here (it is handed a document, or a placeholder with the
            # refusal); should it ever, it parses with the same limits.
            ec.parse_options.update(cache.limits.parse_options)  # type: ignore[typeddict-item]
            if ec.query is not None and ec.graphql_document is None:
                parsed = getattr(ec.context, "parsed", None)  # looked up already to price it (backend/api/cost.py)
                if parsed is not None and parsed[0] == ec.query:
                    ec.context.parsed = None
                    document, errors = parsed[1], parsed[2]
                else:
                    document, errors = cache.get(ec.query)
                if errors and cache.throttle is not None:
                    cache.throttle.strike(getattr(ec.context, "client_address", None))
                ec.graphql_document = _placeholder(ec.operation_name) if errors else document
                ec.pre_execution_errors = errors
            yield

    return CachedDocument
