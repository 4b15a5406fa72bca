"""Notices and escalations: who must be told, queued per channel, delivered once and recorded."""
