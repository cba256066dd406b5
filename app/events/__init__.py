"""The event outbox and its feed: changes written in the same transaction as the change."""
