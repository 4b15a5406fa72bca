"""The web console (Jinja2 + htmx): server-rendered pages in English and Simplified Chinese."""

from __future__ import annotations

from vulndesk.entrypoints.web.app import install

__all__ = ["install"]
