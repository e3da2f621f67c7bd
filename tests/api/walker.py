"""Builds a call for every root operation of the schema, with arguments made up from their types."""

from __future__ import annotations

import uuid

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

from backend.api.permissions import Public, Requires

SCALARS = {
    "ID": lambda ids: ids(),
    "String": lambda ids: "x",
    "Int": lambda ids: 1,
    "Amount": lambda ids: 1,
    "Float": lambda ids: 1.0,
    "Boolean": lambda ids: True,
    "Decimal": lambda ids: "1",
    "Date": lambda ids: "2024-01-01",
    "DateTime": lambda ids: "2024-01-01T00:00:00+00:00",
    "UUID": lambda ids: ids(),
    "JSON": lambda ids: {},
}


def make_value(gtype, ids):
    if isinstance(gtype, GraphQLNonNull):
        return make_value(gtype.of_type, ids)
    if isinstance(gtype, GraphQLList):
        return [make_value(gtype.of_type, ids)]
    if isinstance(gtype, GraphQLEnumType):
        return next(iter(gtype.values))
    if isinstance(gtype, GraphQLInputObjectType):
        out = {}
        for name, f in gtype.fields.items():
            # fill every field: a required one must be there, an optional one exercises more code
            out[name] = make_value(f.type, ids)
        return out
    if isinstance(gtype, GraphQLScalarType):
        return SCALARS[gtype.name](ids)
    raise TypeError(gtype)


def selection(gtype, depth: int = 3, width=(60, 24, 10)) -> str:
    """Every argument-free field of an object type, nested `depth` levels (capped per level so the document stays
    under the token limit): enough for a leaked row to show up in the answer."""
    named = get_named_type(gtype)
    if not isinstance(named, GraphQLObjectType):
        return ""
    level = len(width) - depth
    parts = []
    for name, field in named.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        child = get_named_type(field.type)
        if isinstance(child, GraphQLObjectType):
            if depth > 1:
                inner = selection(field.type, depth - 1, width)
                if inner:
                    parts.append(f"{name} {inner}")
        else:
            parts.append(name)
        if len(parts) >= width[level]:
            break
    return "{ " + " ".join(parts or ["__typename"]) + " }"


def operations(strawberry_schema, deep: bool = False):
    """Yield (kind, graphql name, permission or 'public', query text, variables factory) for each root field.

    With `deep`, each call selects the fields of what it returns (three levels), not just __typename."""
    gschema = strawberry_schema._schema
    for kind, root in (("query", gschema.query_type), ("mutation", gschema.mutation_type)):
        if root is None:
            continue
        sroot = strawberry_schema.get_type_by_name(root.name)
        by_name = {strawberry_schema.config.name_converter.get_graphql_name(f): f for f in sroot.fields}
        for name, field in root.fields.items():
            sfield = by_name[name]
            marker = "UNMARKED"
            for ext in sfield.extensions:
                if isinstance(ext, Requires):
                    marker = ext.permission if ext.permission is not None else "authenticated"
                elif isinstance(ext, Public):
                    marker = "public"
            declared = []
            for arg_name, arg in field.args.items():
                declared.append((arg_name, arg.type))
            var_defs = ", ".join(f"${a}: {t}" for a, t in declared)
            call_args = ", ".join(f"{a}: ${a}" for a, _ in declared)
            if isinstance(get_named_type(field.type), GraphQLObjectType):
                chosen = " " + selection(field.type) if deep else " { __typename }"
            else:
                chosen = ""
            text = f"{kind} Op{('(' + var_defs + ')') if declared else ''} {{ {name}" \
                   f"{('(' + call_args + ')') if declared else ''}{chosen} }}"

            def variables(ids=None, _declared=declared):
                ids = ids or (lambda: str(uuid.uuid4()))
                return {a: make_value(t, ids) for a, t in _declared}

            yield kind, name, marker, text, variables


# ------------------------------------------------------------------------------------------------ the full-depth walk


def literal(gtype, ids) -> str:
    """A made-up value of an argument's type, written as a GraphQL literal (for arguments of nested fields)."""
    if isinstance(gtype, GraphQLNonNull):
        return literal(gtype.of_type, ids)
    if isinstance(gtype, GraphQLList):
        return "[" + literal(gtype.of_type, ids) + "]"
    if isinstance(gtype, GraphQLEnumType):
        return next(iter(gtype.values))
    if isinstance(gtype, GraphQLInputObjectType):
        return "{" + ", ".join(f"{n}: {literal(f.type, ids)}" for n, f in gtype.fields.items()
                               if isinstance(f.type, GraphQLNonNull)) + "}"
    value = SCALARS[gtype.name](ids)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return "{}"
    return '"' + str(value) + '"'


def full_selection(gtype, ids, on_path: frozenset = frozenset()) -> str:
    """Every field of an object type (and of each interface or union member), nested until a type would repeat on
    its own path (Job -> vehicle -> owner -> vehicles would be Vehicle again): every field at every depth a real
    client could reach without going round in a circle. Arguments a field requires are made up."""
    named = get_named_type(gtype)
    if not isinstance(named, GraphQLObjectType):
        return ""
    on_path = on_path | {named.name}
    parts = ["__typename"]
    for name, field in named.fields.items():
        required = [(a, arg) for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)]
        args = "(" + ", ".join(f"{a}: {literal(arg.type, ids)}" for a, arg in required) + ")" if required else ""
        child = get_named_type(field.type)
        if isinstance(child, GraphQLObjectType):
            if child.name in on_path:
                continue
            parts.append(f"{name}{args} {full_selection(child, ids, on_path)}")
        else:
            parts.append(f"{name}{args}")
    return "{ " + " ".join(parts) + " }"


def _walk_document(kind: str, name: str, field, made_up):
    """The root field `name` called with one variable per argument, selecting everything it returns."""
    returned = get_named_type(field.type)
    declared = [(a, arg.type) for a, arg in field.args.items()]
    var_defs = ", ".join(f"${a}: {t}" for a, t in declared)
    call_args = ", ".join(f"{a}: ${a}" for a, _ in declared)
    chosen = " " + full_selection(returned, made_up) if isinstance(returned, GraphQLObjectType) else ""
    text = f"{kind} Walk{('(' + var_defs + ')') if declared else ''} {{ {name}" \
           f"{('(' + call_args + ')') if declared else ''}{chosen} }}"
    return returned, declared, text


def deep_queries(strawberry_schema, ids_of):
    """(root field, query text, variables) for every root query field, selecting everything beneath it.

    `ids_of(type_name)` gives a real id of that type (from data seen so far) or None; a required ID argument named
    `id` takes one of the type the field returns, `<type>Id` one of that type (`jobId`: a Job), others made up."""
    gschema = strawberry_schema._schema
    made_up = lambda: str(uuid.uuid4())  # noqa: E731
    for name, field in gschema.query_type.fields.items():
        returned, declared, text = _walk_document("query", name, field, made_up)
        variables = {}
        for a, t in declared:
            named = get_named_type(t)
            if named.name == "ID":
                type_name = returned.name if a == "id" else a[:-2][:1].upper() + a[:-2][1:] if a.endswith("Id") \
                    else None
                real = ids_of(type_name) if type_name else None
                if real is not None:
                    variables[a] = real if not isinstance(t, GraphQLList) and not (
                        isinstance(t, GraphQLNonNull) and isinstance(t.of_type, GraphQLList)) else [real]
                    continue
            if isinstance(t, GraphQLNonNull):
                variables[a] = make_value(t, made_up)
        yield name, text, variables


def input_value(gtype, name: str, ids_of, made_up):
    """Like make_value, but an ID field named `id`/`<type>Id` takes a real id of that type when one is known."""
    if isinstance(gtype, GraphQLNonNull):
        return input_value(gtype.of_type, name, ids_of, made_up)
    if isinstance(gtype, GraphQLList):
        return [input_value(gtype.of_type, name, ids_of, made_up)]
    if isinstance(gtype, GraphQLInputObjectType):
        return {n: input_value(f.type, n, ids_of, made_up) for n, f in gtype.fields.items()}
    if isinstance(gtype, GraphQLScalarType) and gtype.name == "ID" and name.endswith("Id") and len(name) > 2:
        real = ids_of(name[:-2][:1].upper() + name[:-2][1:])
        if real is not None:
            return real
    return make_value(gtype, made_up)


def deep_mutations(strawberry_schema, ids_of):
    """(root field, document, variables) for every mutation: made-up input (real ids where known), and the payload
    selected at full depth."""
    gschema = strawberry_schema._schema
    made_up = lambda: str(uuid.uuid4())  # noqa: E731
    for name, field in gschema.mutation_type.fields.items():
        _returned, declared, text = _walk_document("mutation", name, field, made_up)
        yield name, text, {a: input_value(t, a, ids_of, made_up) for a, t in declared}
