"""Regulator reports and notices: one registry of kinds, a builder per regulator, redaction by policy."""
