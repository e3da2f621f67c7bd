"""GraphQL of this domain (being written)."""

Query = None
Mutation = None
Subscription = None
