"""Self-booking by the customer: booking links (from a reminder, the portal or the day-before message), the
garage's booking settings, one-time codes; the rules are in service.py."""
