"""Webhooks: endpoints that admins register, deliveries of events to them, and the worker."""
