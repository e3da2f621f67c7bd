"""The fast read path: the hot PWA queries answered from projected SQL, without graphql-core execution.

A *plan* is compiled once per (document text, operation name) from the operation's selections, when every field it
selects is known: a plain attribute of a registered type (a column of its model), a registered relation (one
batched, garage-scoped statement per relation, whatever the number of rows), or a registered root field. Anything
else (an unknown field, a directive, arguments below the root, a fragment on another type, a mutation) leaves the
operation to the normal Strawberry execution, and so does any case where the answer would carry an error: a field
the actor may not read, a null where the schema says non-null, variables graphql-core refuses, a failure of any kind.
The answer is a plain `ExecutionResult`, so the view encodes it exactly as it encodes the plain path's.

Permissions are read from the schema itself (each field's `Requires` extension) and checked once per operation;
leaves are serialised by the schema's own scalar and enum types. Domains register their types and root fields
(see backend/workshop/fastpath.py); this package imports no domain.
"""

from backend.api.fastpath.engine import Derived, Execution, FastPath, Fallback, Node, Relation, Root, TypeSource

__all__ = ["Derived", "Execution", "FastPath", "Fallback", "Node", "Relation", "Root", "TypeSource"]
