"""Planner and executor of the fast read path (see the package's docstring)."""

from __future__ import annotations

import logging
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    BooleanValueNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_operation_ast,
)
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy import and_, bindparam, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import aliased

from backend.api.permissions import Public, Requires

log = logging.getLogger("mototrack.fastpath")


class Fallback(Exception):
    """The fast path cannot give exactly the plain execution's answer: the plain execution gives it."""


class _Unsupported(Exception):
    """The planner does not know something the operation selects."""


@dataclass(frozen=True)
class Relation:
    """A related type read in one batched, garage-scoped statement per operation.

    one:  the parent's `key` attribute holds the related row's id (None: the field is null);
    many: the child's `key` attribute holds the parent's id; children come in `order_by` (the loader's order; a
    name starting with "-" descending), at most `limit` per parent (the loader's cut); an actor without
    `permission` reads an empty list (as the resolver answers) and no statement is made;
    reverse (with many=False): the child's `key` attribute holds the parent's id and at most one child is there (the
    job opened from an appointment); more than one leaves the operation to the plain execution."""

    target: str
    many: bool
    key: str
    order_by: tuple[str, ...] = ()
    limit: int | None = None
    permission: Any = None
    reverse: bool = False


@dataclass(frozen=True)
class Derived:
    """A field whose resolver computes its value from the row's `columns` alone: `fn(row, execution)` returns what
    the resolver returns (a scalar, an enum member, a list of them; or, for an object type backed by a value,
    a dict / a list of dicts of that type's Python names). Values of all rows are completed together."""

    columns: tuple[str, ...]
    fn: Callable[[dict, Any], Any]


def garage_scope(model, actor):
    return model.garage_id == actor.garage_id


@dataclass
class TypeSource:
    """What backs a GraphQL type: a model whose columns are its plain fields (relations named apart), or, with
    `model=None`, a value a root field builds (its `embedded` fields are object fields the root fills in)."""

    model: type | None
    relations: dict[str, Relation] = field(default_factory=dict)
    embedded: frozenset[str] = frozenset()
    scope: Callable[[Any, Any], Any] = garage_scope
    derived: dict[str, Derived] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.columns = frozenset(p.key for p in sa_inspect(self.model).column_attrs) if self.model else frozenset()


@dataclass
class Field:
    key: str  # the response key (alias or name)
    name: str  # the Python name: a column attribute, a relation or an embedded value
    kind: str  # "leaf", "typename", "relation", "embedded", "derived"
    serialize: Any = None  # a leaf's serializer; the type name for __typename
    nonnull: bool = False
    child: Node | None = None
    relation: Relation | None = None
    joined: bool = False  # a one-relation read by a LEFT JOIN in its parent's statement (its selection has no lists)
    derived: Derived | None = None
    many: bool = False  # a derived object field's value is a list


@dataclass
class Node:
    """The selection on one type: its fields in response order and the columns they need."""

    type_name: str
    source: TypeSource
    fields: list[Field]
    columns: tuple[str, ...]
    # the node's compiled statements, built once with bound parameters: (name, extra columns, role) -> (select, reader)
    statements: dict = field(default_factory=dict, repr=False)

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def flat(self) -> bool:
        """No list below: the whole selection can be read by joins in one statement."""
        return all(f.kind in ("leaf", "typename") or (f.kind == "relation" and f.joined) for f in self.fields)


RootFn = Callable[["Execution", "Node | None", dict], Awaitable[Any]]


@dataclass(frozen=True)
class Root:
    """A root query field the fast path answers: `fn(execution, node, arguments)` returns its JSON value."""

    fn: RootFn


@dataclass
class _Call:
    key: str
    root: Root | None  # None: __typename
    field_def: GraphQLField | None
    ast: FieldNode
    node: Node | None


@dataclass
class Plan:
    operation: OperationDefinitionNode
    calls: list[_Call]
    permissions: frozenset


def _unwrap(gtype) -> tuple[bool, Any]:
    if isinstance(gtype, GraphQLNonNull):
        return True, gtype.of_type
    return False, gtype


def _named(gtype):
    while isinstance(gtype, (GraphQLNonNull, GraphQLList)):
        gtype = gtype.of_type
    return gtype


def _leaf_serializer(inner):
    """The serializer of a scalar or enum field, or of a list of non-null ones (None: not such a field)."""
    if isinstance(inner, (GraphQLScalarType, GraphQLEnumType)):
        return inner.serialize
    if isinstance(inner, GraphQLList) and isinstance(inner.of_type, GraphQLNonNull) and isinstance(
            inner.of_type.of_type, (GraphQLScalarType, GraphQLEnumType)):
        item = inner.of_type.of_type.serialize

        def serialize_list(values):
            if any(v is None for v in values):
                raise Fallback("null item")
            return [item(v) for v in values]

        return serialize_list
    return None


_CONDITIONS = {"include": True, "skip": False}  # a directive's name -> what its `if` must be for the selection


def _condition(directive) -> tuple[bool, Any]:
    """(wanted, value) of an @include/@skip: `value` a bool literal or the variable's name."""
    wanted = _CONDITIONS.get(directive.name.value)
    arguments = directive.arguments or ()
    if wanted is None or len(arguments) != 1 or arguments[0].name.value != "if":
        raise _Unsupported(f"directive @{directive.name.value}")
    value = arguments[0].value
    if isinstance(value, BooleanValueNode):
        return wanted, value.value
    if isinstance(value, VariableNode):
        return wanted, value.name.value
    raise _Unsupported("condition")


def condition_variables(document) -> tuple[str, ...]:
    """The variables the document's @include/@skip conditions name, in order of first use (a plan is made per
    combination of their values); raises _Unsupported for any other directive on a selection."""
    names: dict[str, None] = {}

    def walk(selection_set) -> None:
        for selection in selection_set.selections if selection_set else ():
            for directive in selection.directives or ():
                _, value = _condition(directive)
                if isinstance(value, str):
                    names[value] = None
            walk(getattr(selection, "selection_set", None))

    for definition in document.definitions:
        walk(definition.selection_set)
    return tuple(names)


class _Planner:
    def __init__(self, schema, types: dict[str, TypeSource], roots: dict[str, Root], document,
                 conditions: dict[str, bool] | None = None) -> None:
        self.schema = schema
        self.types = types
        self.roots = roots
        self.conditions = conditions or {}
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.permissions: set = set()

    def plan(self, operation: OperationDefinitionNode) -> Plan:
        if operation.operation != OperationType.QUERY or operation.directives:
            raise _Unsupported("not a plain query")
        if any(v.directives for v in operation.variable_definitions or ()):
            raise _Unsupported("variable directives")
        query_type = self.schema.query_type
        calls = []
        for ast in self.flatten(operation.selection_set, query_type.name):
            name = ast.name.value
            key = ast.alias.value if ast.alias else name
            if name == "__typename":
                calls.append(_Call(key, None, None, ast, None))
                continue
            root = self.roots.get(name)
            field_def = query_type.fields.get(name)
            if root is None or field_def is None:
                raise _Unsupported(f"root field {name}")
            self.permit(field_def)
            named = _named(field_def.type)
            node = None
            if isinstance(named, GraphQLObjectType):
                if ast.selection_set is None:
                    raise _Unsupported("object without selection")
                node = self.node(named.name, ast.selection_set)
            calls.append(_Call(key, root, field_def, ast, node))
        return Plan(operation, calls, frozenset(self.permissions))

    def permit(self, field_def: GraphQLField) -> None:
        definition = field_def.extensions.get("strawberry-definition")
        if definition is None or getattr(definition, "permission_classes", None):
            raise _Unsupported("field without a known permission")
        for extension in definition.extensions:
            if isinstance(extension, Requires):
                if extension.permission is not None:
                    self.permissions.add(extension.permission)
            elif not isinstance(extension, Public):
                raise _Unsupported(f"field extension {type(extension).__name__}")

    def flatten(self, selection_set: SelectionSetNode, type_name: str) -> list[FieldNode]:
        out: list[FieldNode] = []
        self._collect(selection_set, type_name, out, set())
        seen_keys, seen_names = set(), set()
        for ast in out:
            key, name = (ast.alias or ast.name).value, ast.name.value
            if key in seen_keys or name in seen_names:
                raise _Unsupported("a field selected twice")  # merging is graphql-core's business
            seen_keys.add(key)
            seen_names.add(name)
        return out

    def _collect(self, selection_set: SelectionSetNode, type_name: str, out: list, spreading: set) -> None:
        for selection in selection_set.selections:
            if selection.directives and not self.included(selection):
                continue
            if isinstance(selection, FieldNode):
                out.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else type_name
                if condition != type_name:
                    raise _Unsupported("fragment on another type")
                self._collect(selection.selection_set, type_name, out, spreading)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if (fragment is None or fragment.directives or fragment.type_condition.name.value != type_name
                        or fragment.name.value in spreading):
                    raise _Unsupported("fragment")
                self._collect(fragment.selection_set, type_name, out, spreading | {fragment.name.value})
            else:
                raise _Unsupported("selection")

    def included(self, selection) -> bool:
        """Whether the selection's @include/@skip keep it, with this plan's values of their variables."""
        for directive in selection.directives:
            wanted, value = _condition(directive)
            if (self.conditions[value] if isinstance(value, str) else value) is not wanted:
                return False
        return True

    def node(self, type_name: str, selection_set: SelectionSetNode) -> Node:
        source = self.types.get(type_name)
        gtype = self.schema.type_map.get(type_name)
        if source is None or not isinstance(gtype, GraphQLObjectType):
            raise _Unsupported(f"type {type_name}")
        fields: list[Field] = []
        columns: list[str] = ["id"] if source.model is not None else []
        for ast in self.flatten(selection_set, type_name):
            name = ast.name.value
            key = ast.alias.value if ast.alias else name
            if name == "__typename":
                fields.append(Field(key, name, "typename", type_name))
                continue
            field_def = gtype.fields.get(name)
            if field_def is None or ast.arguments:
                raise _Unsupported(f"{type_name}.{name}")
            self.permit(field_def)
            definition = field_def.extensions["strawberry-definition"]
            py = definition.python_name
            nonnull, inner = _unwrap(field_def.type)
            named = _named(inner)
            if py in source.relations:
                relation = source.relations[py]
                if (named.name != relation.target or ast.selection_set is None
                        or isinstance(inner, GraphQLList) != relation.many):
                    raise _Unsupported(f"{type_name}.{name}")
                if relation.many and not isinstance(inner.of_type, GraphQLNonNull):
                    raise _Unsupported(f"{type_name}.{name}: nullable items")
                child = self.node(relation.target, ast.selection_set)
                joined = not relation.many and not relation.reverse and child.flat
                fields.append(Field(key, py, "relation", None, nonnull, child, relation, joined))
                if not relation.many and not relation.reverse:
                    columns.append(relation.key)
            elif py in source.derived:
                derived = source.derived[py]
                serialize = _leaf_serializer(inner)
                if serialize is not None and ast.selection_set is None:
                    fields.append(Field(key, py, "derived", serialize, nonnull, derived=derived))
                elif isinstance(named, GraphQLObjectType) and ast.selection_set is not None:
                    many = isinstance(inner, GraphQLList)
                    if many and not isinstance(inner.of_type, GraphQLNonNull):
                        raise _Unsupported(f"{type_name}.{name}: nullable items")
                    child = self.node(named.name, ast.selection_set)
                    if child.source.model is not None:
                        raise _Unsupported(f"{type_name}.{name}: a derived row")
                    fields.append(Field(key, py, "derived", None, nonnull, child, derived=derived, many=many))
                else:
                    raise _Unsupported(f"{type_name}.{name}")
                if source.model is not None:
                    columns.extend(derived.columns)
            elif definition.base_resolver is not None:
                raise _Unsupported(f"{type_name}.{name}: a resolver")
            elif _leaf_serializer(inner) is not None and (source.model is None or (
                    py in source.columns and not isinstance(inner, GraphQLList))):  # a value's list of scalars
                fields.append(Field(key, py, "leaf", _leaf_serializer(inner), nonnull))
                if source.model is not None:
                    columns.append(py)
            elif source.model is None and py in source.embedded and ast.selection_set is not None:
                fields.append(Field(key, py, "embedded", None, nonnull, self.node(named.name, ast.selection_set)))
            else:
                raise _Unsupported(f"{type_name}.{name}")
        return Node(type_name, source, fields, tuple(dict.fromkeys(columns)))


class BoundActor:
    """Who a compiled statement is for, with the garage and the user as bound parameters: the statement builders
    (a service's, a type's scope) read `garage_id`, `user_id` and `role`, and a statement is kept per role."""

    GARAGE, USER = "fp_garage", "fp_user"

    def __init__(self, role) -> None:
        self.role = role
        self.garage_id = bindparam(self.GARAGE)
        self.user_id = bindparam(self.USER)


KEYS = "fp_keys"


class Execution:
    """One operation's reads: one session, one statement per node and list relation, rows as plain dicts."""

    def __init__(self, session, actor, settings=None, context=None) -> None:
        self.session = session
        self.actor = actor
        self.settings = settings
        self.context = context  # the request's context (its locale, for a derived field that reads it)
        self.params = {BoundActor.GARAGE: actor.garage_id, BoundActor.USER: actor.user_id}
        self.connection = None

    async def rows(self, node: Node, name: str, build: Callable[[BoundActor], Any], params: dict | None = None,
                   extra: tuple[str, ...] = ()) -> list[dict]:
        """The rows of `build(actor)` (a select of the node's model with its conditions and order, made once per
        node, `name` and role with bound parameters; `params` gives their values) projected onto the node's
        columns; each joined relation's row (or None) is nested under its response key."""
        key = (name, extra, self.actor.role)
        compiled = node.statements.get(key)
        if compiled is None:
            compiled = node.statements[key] = self._compile(node, build(BoundActor(self.actor.role)), extra)
        statement, reader = compiled
        if self.connection is None:  # Core rows straight from the connection: no ORM loading for a projection
            self.connection = await self.session.connection()
        result = await self.connection.execute(statement, {**self.params, **params} if params else self.params)
        return [reader(row) for row in result.all()]

    def _compile(self, node: Node, query, extra: tuple[str, ...]):
        columns: list = []
        joins: list = []
        bound = BoundActor(self.actor.role)
        reader = self._project(node, node.source.model, tuple(dict.fromkeys((*node.columns, *extra))), columns,
                               joins, bound)
        query = query.with_only_columns(*columns)
        for target, on in joins:
            query = query.outerjoin(target, on)
        return query, reader

    def _project(self, node: Node, entity, names: tuple[str, ...], columns: list, joins: list, bound: BoundActor):
        """Adds the node's columns (and its joined relations') to `columns`; returns the row reader."""
        start = len(columns)
        columns.extend(getattr(entity, n) for n in names)
        end = len(columns)
        nested = []
        for f in node.fields:
            if f.joined:
                child = f.child
                target = aliased(child.source.model)
                joins.append((target, and_(target.id == getattr(entity, f.relation.key),
                                           child.source.scope(target, bound))))
                nested.append((f.key, len(columns), self._project(child, target, child.columns, columns, joins,
                                                                  bound)))

        def read(row) -> dict:
            values = dict(zip(names, row[start:end]))
            for key, at, sub in nested:
                values[key] = sub(row) if row[at] is not None else None  # the child's id: null when none joined
            return values

        return read

    async def complete(self, node: Node, rows: list[dict]) -> list[dict]:
        """The JSON objects of `rows` for `node`'s selection (list relations read in one statement each)."""
        related = {}
        for f in node.fields:
            if f.joined:
                found = [row[f.key] for row in rows if row[f.key] is not None]
                related[f.key] = dict(zip(map(id, found), await self.complete(f.child, found)))
            elif f.kind == "relation":
                related[f.key] = await self._related(f, rows)
            elif f.kind == "derived":
                related[f.key] = await self._derive(f, rows)
        out = []
        for row in rows:
            obj: dict = {}
            for f in node.fields:
                kind = f.kind
                if kind == "leaf":
                    value = row[f.name]
                    if value is None:
                        if f.nonnull:
                            raise Fallback(f"null {node.type_name}.{f.name}")
                        obj[f.key] = None
                    else:
                        obj[f.key] = f.serialize(value)
                elif f.joined:
                    child = row[f.key]
                    value = related[f.key][id(child)] if child is not None else None
                    if value is None and f.nonnull:
                        raise Fallback(f"null {node.type_name}.{f.name}")
                    obj[f.key] = value
                elif kind == "derived":
                    value = related[f.key][id(row)]
                    if value is None and f.nonnull:
                        raise Fallback(f"null {node.type_name}.{f.name}")
                    obj[f.key] = value
                elif kind == "relation":
                    found = related[f.key]
                    if f.relation.many:
                        obj[f.key] = found.get(row["id"], [])
                    else:
                        ref = row["id"] if f.relation.reverse else row[f.relation.key]
                        value = found.get(ref) if ref is not None else None
                        if value is None and f.nonnull:
                            raise Fallback(f"null {node.type_name}.{f.name}")
                        obj[f.key] = value
                elif kind == "typename":
                    obj[f.key] = f.serialize
                else:  # embedded: already JSON, built by the root field
                    value = row[f.name]
                    if value is None and f.nonnull:
                        raise Fallback(f"null {node.type_name}.{f.name}")
                    obj[f.key] = value
            out.append(obj)
        return out

    async def _derive(self, f: Field, rows: list[dict]) -> dict:
        """id(row) -> the derived field's JSON value; an object type's values of all the rows completed at once."""
        values = {id(row): f.derived.fn(row, self) for row in rows}
        if f.child is None:
            return {k: None if v is None else f.serialize(v) for k, v in values.items()}
        items = [item for v in values.values() if v is not None for item in (v if f.many else [v])]
        if any(item is None for item in items):
            raise Fallback(f"null item of {f.name}")
        done = iter(await self.complete(f.child, items))
        out = {}
        for k, v in values.items():
            out[k] = None if v is None else [next(done) for _ in v] if f.many else next(done)
        return out

    async def _related(self, f: Field, rows: list[dict]) -> dict:
        """A relation not joined: one statement for all the rows' keys, scoped and ordered as its loader."""
        relation, child = f.relation, f.child
        source = child.source
        model = source.model
        if relation.many:
            keys = list(dict.fromkeys(r["id"] for r in rows))
            if not keys or (relation.permission is not None and not self.actor.can(relation.permission)):
                return {}

            def many(actor):
                order = (getattr(model, c[1:]).desc() if c.startswith("-") else getattr(model, c)
                         for c in relation.order_by)
                return (select(model).where(source.scope(model, actor), getattr(model, relation.key).in_(
                    bindparam(KEYS, expanding=True))).order_by(*order))

            child_rows = await self.rows(child, "many", many, {KEYS: keys}, (relation.key,))
            if relation.limit is not None:  # the loader's cut per parent, before the children are completed
                counts: dict = defaultdict(int)
                kept = []
                for row in child_rows:
                    counts[row[relation.key]] += 1
                    if counts[row[relation.key]] <= relation.limit:
                        kept.append(row)
                child_rows = kept
            done = await self.complete(child, child_rows)
            groups: dict = defaultdict(list)
            for row, obj in zip(child_rows, done):
                groups[row[relation.key]].append(obj)
            return groups
        if relation.reverse:
            keys = list(dict.fromkeys(r["id"] for r in rows))
            if not keys:
                return {}

            def reverse(actor):
                return select(model).where(source.scope(model, actor), getattr(model, relation.key).in_(
                    bindparam(KEYS, expanding=True)))

            child_rows = await self.rows(child, "reverse", reverse, {KEYS: keys}, (relation.key,))
            parents = [row[relation.key] for row in child_rows]
            if len(set(parents)) != len(parents):
                raise Fallback(f"more than one {child.type_name} of a parent")
            done = await self.complete(child, child_rows)
            return dict(zip(parents, done))
        keys = list(dict.fromkeys(r[relation.key] for r in rows if r[relation.key] is not None))
        if not keys:
            return {}

        def one(actor):
            return select(model).where(source.scope(model, actor), model.id.in_(bindparam(KEYS, expanding=True)))

        child_rows = await self.rows(child, "one", one, {KEYS: keys})
        done = await self.complete(child, child_rows)
        return {row["id"]: obj for row, obj in zip(child_rows, done)}


_UNSUPPORTED = object()


class FastPath:
    """Answers the operations it has a plan for; `execute` returns None to leave one to the plain execution.

    A document whose @include/@skip conditions name variables has a plan per combination of their values (the
    PWA's job card sends the reader's role as such booleans), each compiled when first asked for; at most
    `max_plans` plans are kept (least recently used dropped).

    `enabled` switches it off (plain execution for everything: the setting `fast_reads`, and tests comparing both);
    `hits` and `fallbacks` count what it answered and what it left."""

    def __init__(self, schema, documents, types: dict[str, TypeSource], roots: dict[str, Root], *,
                 enabled: bool = True, max_plans: int = 1024) -> None:
        self.schema = schema  # the Strawberry schema
        self.documents = documents  # the DocumentCache: parsed, priced and validated documents
        self.types = types
        self.roots = roots
        self.enabled = enabled
        self.max_plans = max_plans
        self._plans: OrderedDict[tuple, Any] = OrderedDict()
        # (document, operation) -> (operation AST, its condition variables), or _UNSUPPORTED
        self._operations: OrderedDict[tuple[str, str | None], Any] = OrderedDict()
        self.hits = self.fallbacks = 0

    def _remember(self, cache: OrderedDict, key, value) -> None:
        cache[key] = value
        while len(cache) > self.max_plans:
            cache.popitem(last=False)

    def _operation(self, query: str, operation_name: str | None):
        """(document, operation AST, condition variables) or None (refused, unknown operation, other directives)."""
        key = (query, operation_name)
        found = self._operations.get(key)
        if found is not None:
            # a text seen before passed the document checks then: it is not looked up (nor counted) again here,
            # and one the fast path cannot answer goes to the plain execution without a second lookup
            self._operations.move_to_end(key)
            return None if found is _UNSUPPORTED else found
        document, errors = self.documents.get(query)
        if errors or document is None:
            return None  # refused: the plain execution says why (and is not cached here)
        operation = get_operation_ast(document, operation_name)
        found = _UNSUPPORTED
        if operation is not None:
            try:
                found = (document, operation, condition_variables(document))
            except _Unsupported as why:
                log.debug("plain execution for %s: %s", operation_name, why)
        self._remember(self._operations, key, found)
        return None if found is _UNSUPPORTED else found

    def plan(self, query: str, operation_name: str | None, variables: dict | None = None) -> Plan | None:
        """The plan for the document's operation with these variables' values of its @include/@skip conditions
        (None: the plain execution answers; so does a condition variable given no boolean)."""
        found = self._operation(query, operation_name)
        if found is None:
            return None
        document, operation, names = found
        values = []
        for name in names:
            value = (variables or {}).get(name, _UNSUPPORTED)
            if value is _UNSUPPORTED:  # the definition's default, when it has one
                definition = next((d for d in operation.variable_definitions or ()
                                   if d.variable.name.value == name), None)
                default = definition.default_value if definition is not None else None
                value = default.value if isinstance(default, BooleanValueNode) else None
            if not isinstance(value, bool):
                return None  # null, missing or not a boolean: graphql-core's to refuse
            values.append(value)
        key = (query, operation_name, tuple(values))
        plan = self._plans.get(key)
        if plan is not None:
            self._plans.move_to_end(key)
            return None if plan is _UNSUPPORTED else plan
        plan = _UNSUPPORTED
        try:
            plan = _Planner(self.schema._schema, self.types, self.roots, document,
                            dict(zip(names, values))).plan(operation)
        except _Unsupported as why:
            log.debug("plain execution for %s: %s", operation_name, why)
        self._remember(self._plans, key, plan)
        return None if plan is _UNSUPPORTED else plan

    async def execute(self, ctx, query, variables, operation_name) -> ExecutionResult | None:
        if not self.enabled or not isinstance(query, str) or ctx.actor is None:
            return None
        if variables is not None and not isinstance(variables, dict):
            return None
        plan = self.plan(query, operation_name, variables)
        actor = ctx.actor
        if plan is None or not all(actor.can(p) for p in plan.permissions):
            self.fallbacks += 1
            return None
        schema = self.schema._schema
        coerced = get_variable_values(schema, plan.operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):
            self.fallbacks += 1
            return None  # graphql-core's own errors, shaped by the plain path
        data: dict = {}
        try:
            async with ctx.read() as session:
                execution = Execution(session, actor, ctx.settings, ctx)
                for call in plan.calls:
                    if call.root is None:
                        data[call.key] = schema.query_type.name
                        continue
                    arguments = get_argument_values(call.field_def, call.ast, coerced)
                    data[call.key] = await call.root.fn(execution, call.node, arguments)
        except Fallback as why:
            log.debug("plain execution for %s: %s", operation_name, why)
            self.fallbacks += 1
            return None
        except Exception:  # noqa: BLE001 - the plain execution meets the same failure and reports it as it should
            log.debug("plain execution for %s after a failure", operation_name, exc_info=True)
            self.fallbacks += 1
            return None
        self.hits += 1
        return ExecutionResult(data=data)
