"""End-to-end fixtures: the live server and the browser from the harness module."""

from __future__ import annotations

from tests.e2e.browser import browser, server

__all__ = ["browser", "server"]
