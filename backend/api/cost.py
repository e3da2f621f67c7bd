"""Query cost: what an operation would cost, known before it runs, and a budget per API key that refills over time.

The rules (the API guide repeats them for integrators):

- every selected field costs 1 each time it is resolved;
- a connection field (one that takes `first`/`last`) multiplies what is selected under it by the page asked for
  (`first` or `last`, else the default page size), capped at the largest page the server gives; its `edges` list
  then counts once, not again;
- any other list field multiplies what is selected under it by ``LIST_ESTIMATE``;
- fragments and inline fragments count as if written out (a union's or interface's branches are all counted), and
  `@skip` / `@include` are honoured with the request's variables.

An operation costing more than ``max_query_cost`` is refused before execution (``QUERY_COST_EXCEEDED``). An API key
spends its cost from a bucket of ``api_key_cost_capacity`` points refilled at ``api_key_cost_refill_per_second``
(shared by every process through Redis when Redis is configured); an empty bucket refuses with ``RATE_LIMITED`` and
says when to come back. Answers to an API key carry ``extensions.cost``: {requested, limit, remaining, capacity,
refillPerSecond}. The PWA's own operations (trusted documents known at build) are not priced for staff users.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from backend.api.errors import PublicError
from backend.core.i18n import N_, translate

LIST_ESTIMATE = 10
PAGE_ARGUMENTS = ("first", "last")

COST_EXCEEDED = "QUERY_COST_EXCEEDED"
RATE_LIMITED = "RATE_LIMITED"
COST_EXCEEDED_MESSAGE = N_("This request would cost {cost} points, more than the {limit} one request may cost. Ask "
                           "for smaller pages (first) or fewer nested lists, or split it into several requests.")
RATE_LIMITED_MESSAGE = N_("This API key has used up its query budget for now: the request costs {cost} points and "
                          "{remaining} are left. Try again in {seconds} seconds.")


def _is_list(gtype) -> bool:
    while isinstance(gtype, GraphQLNonNull):
        gtype = gtype.of_type
    return isinstance(gtype, GraphQLList)


class _Pricer:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict | None,
                 default_page: int, max_page: int) -> None:
        self.schema = schema
        self.variables = variables or {}
        self.default_page = default_page
        self.max_page = max_page
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[tuple[str, str], int] = {}

    def value(self, node):
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, BooleanValueNode):
            return node.value
        return None

    def included(self, selection) -> bool:
        for directive in selection.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            condition = next((self.value(a.value) for a in directive.arguments if a.name.value == "if"), None)
            if (name == "skip" and condition is True) or (name == "include" and condition is False):
                return False
        return True

    def page(self, field: FieldNode, field_def) -> int | None:
        """The page a connection field asks for, or None when the field takes no page arguments."""
        if not any(arg in field_def.args for arg in PAGE_ARGUMENTS):
            return None
        for argument in field.arguments or ():
            if argument.name.value in PAGE_ARGUMENTS:
                asked = self.value(argument.value)
                if isinstance(asked, int) and not isinstance(asked, bool):
                    return max(0, min(asked, self.max_page))
        return self.default_page

    def selection_set(self, selection_set: SelectionSetNode | None, parent, in_connection: bool = False) -> int:
        if selection_set is None or parent is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if not self.included(selection):
                continue
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, in_connection)
            elif isinstance(selection, InlineFragmentNode):
                target = (self.schema.get_type(selection.type_condition.name.value)
                          if selection.type_condition else parent)
                total += self.selection_set(selection.selection_set, target or parent, in_connection)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection, in_connection)
        return total

    def fragment(self, spread: FragmentSpreadNode, in_connection: bool) -> int:
        name = spread.name.value
        key = (name, "c" if in_connection else "")
        if key not in self.memo:
            definition = self.fragments.get(name)
            if definition is None:
                return 0
            self.memo[key] = 0  # a cycle (refused by validation anyway) counts nothing more
            target = self.schema.get_type(definition.type_condition.name.value)
            self.memo[key] = self.selection_set(definition.selection_set, target, in_connection)
        return self.memo[key]

    def field(self, field: FieldNode, parent, in_connection: bool) -> int:
        name = field.name.value
        fields = getattr(parent, "fields", None) or {}
        field_def = fields.get(name)
        if field_def is None:  # __typename and the like
            return 1 if name == "__typename" else 0
        child_type = get_named_type(field_def.type)
        page = self.page(field, field_def)
        if page is not None:
            return 1 + page * self.selection_set(field.selection_set, child_type, in_connection=True)
        if in_connection and name in ("edges", "nodes"):
            return 1 + self.selection_set(field.selection_set, child_type)
        times = LIST_ESTIMATE if _is_list(field_def.type) else 1
        return 1 + times * self.selection_set(field.selection_set, child_type)


def operation_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                   variables: dict | None, *, default_page: int, max_page: int) -> int:
    """The cost of the operation the request runs (the named one, else the only one)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return 0  # execution refuses it with its own error
    operation = operations[0]
    root = schema.get_root_type(operation.operation)
    return _Pricer(schema, document, variables, default_page, max_page).selection_set(operation.selection_set, root)


# ------------------------------------------------------------------------------------------------------- the budget


class MemoryCostBudget:
    """Token buckets in this process (embedded mode: there is only one)."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str, cost: int, capacity: int, rate: float) -> tuple[bool, float]:
        now = time.monotonic()
        tokens, at = self._buckets.get(key, (float(capacity), now))
        tokens = min(float(capacity), tokens + (now - at) * rate)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self._buckets[key] = (tokens, now)
        return allowed, tokens


_TAKE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local capacity, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or t
tokens = math.min(capacity, tokens + math.max(0, t - at) * rate)
local allowed = 0
if tokens >= cost then tokens = tokens - cost; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(t))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / math.max(rate, 0.001)) + 60)
return {allowed, tostring(tokens)}
"""


class RedisCostBudget:
    """The same buckets in Redis, so every API process spends from one budget per key (one atomic script)."""

    def __init__(self, redis, prefix: str = "mototrack:cost:") -> None:
        self.redis = redis
        self.prefix = prefix
        self._script = redis.register_script(_TAKE)

    async def take(self, key: str, cost: int, capacity: int, rate: float) -> tuple[bool, float]:
        allowed, tokens = await self._script(keys=[self.prefix + key], args=[capacity, rate, cost])
        return bool(int(allowed)), float(tokens)


@dataclass
class Priced:
    cost: int
    extension: dict | None = None  # extensions.cost of the answer (API keys)
    error: GraphQLError | None = None
    retry_after: int | None = None


class QueryCost:
    """Prices a request before it runs and spends it from its API key's budget."""

    def __init__(self, schema: GraphQLSchema, cache, settings, budget, trusted_texts=frozenset()) -> None:
        self.schema = schema
        self.cache = cache
        self.settings = settings
        self.budget = budget
        self.trusted_texts = trusted_texts

    async def price(self, context, query: str, operation_name: str | None, variables: dict | None) -> Priced | None:
        """None: nothing to say (an unreadable document is left to the normal path to refuse). The document looked
        up here is kept on the context (`parsed`), so the execution that follows neither looks it up nor parses
        it again."""
        actor, locale = context.actor, context.locale
        api_key = getattr(actor, "api_key_id", None)
        if api_key is None and query in self.trusted_texts:
            return None
        document, errors = self.cache.get(query)
        context.parsed = (query, document, errors)
        if document is None or errors:
            return None
        settings = self.settings
        cost = operation_cost(self.schema, document, operation_name, variables,
                              default_page=settings.default_page_size, max_page=settings.max_page_size)
        limit = settings.max_query_cost
        if api_key is not None:  # more than a full bucket could never run
            limit = min(limit, settings.api_key_cost_capacity)
        if cost > limit:
            return Priced(cost, error=PublicError(
                translate(locale, COST_EXCEEDED_MESSAGE, cost=cost, limit=limit),
                extensions={"code": COST_EXCEEDED, "cost": cost, "limit": limit}))
        if api_key is None:
            return None
        capacity, rate = settings.api_key_cost_capacity, settings.api_key_cost_refill_per_second
        allowed, remaining = await self.budget.take(str(api_key), cost, capacity, rate)
        extension = {"requested": cost, "limit": limit, "remaining": int(remaining), "capacity": capacity,
                     "refillPerSecond": rate}
        if allowed:
            return Priced(cost, extension=extension)
        seconds = max(1, math.ceil((cost - remaining) / rate)) if rate > 0 else 3600
        return Priced(cost, extension=extension, retry_after=seconds, error=PublicError(
            translate(locale, RATE_LIMITED_MESSAGE, cost=cost, remaining=int(remaining), seconds=seconds),
            extensions={"code": RATE_LIMITED, "cost": cost, "remaining": int(remaining),
                        "retryAfter": seconds}))
