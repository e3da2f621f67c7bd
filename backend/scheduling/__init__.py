"""Scheduling: bays, opening hours and closed days, appointments with allocations, availability, calendar feeds."""
