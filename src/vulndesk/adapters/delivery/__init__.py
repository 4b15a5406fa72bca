"""Delivery to the outside world: SMTP mail and signed webhooks, each failure either retried or refused."""
