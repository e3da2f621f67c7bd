"""The customer portal: a link per job (a token stored hashed), its own GraphQL endpoint, approvals with a one-time
code. See service.py for the rules and tokens.py for how tokens and codes are made."""
