"""Notifications: the outbox, templates and delivery; MOT and service reminders."""
