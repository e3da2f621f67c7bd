"""MOT and service reminders: the date rules, the daily scan, settings and the GraphQL operations."""
