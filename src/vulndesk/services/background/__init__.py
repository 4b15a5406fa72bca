"""Background work: the deadline sweep, escalations and the delivery outbox, run by the worker."""
