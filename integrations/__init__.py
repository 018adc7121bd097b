"""Integrations: the webhook outbox, signed deliveries, and the shop's endpoints (floor 4)."""
