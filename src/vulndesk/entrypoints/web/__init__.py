"""The web console (Jinja2 + htmx)."""
