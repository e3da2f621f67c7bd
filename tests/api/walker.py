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


def operations(strawberry_schema):
    """Yield (kind, graphql name, permission or 'public', query text, variables factory) for each root field."""
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
            selection = " { __typename }" if isinstance(get_named_type(field.type), GraphQLObjectType) else ""
            text = f"{kind} Op{('(' + var_defs + ')') if declared else ''} {{ {name}" \
                   f"{('(' + call_args + ')') if declared else ''}{selection} }}"

            def variables(ids=None, _declared=declared):
                ids = ids or (lambda: str(uuid.uuid4()))
                return {a: make_value(t, ids) for a, t in _declared}

            yield kind, name, marker, text, variables
