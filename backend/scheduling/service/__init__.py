"""Scheduling services: site set-up, appointments, availability, calendar feeds."""
