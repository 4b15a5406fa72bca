"""Coordinated disclosure with many parties: participants, statuses, the embargo, threads."""
