"""Typed settings, read once from the environment; no other module reads os.environ."""

from vulndesk.config.imap import ImapSettings
from vulndesk.config.intake import INTAKE_RATE
from vulndesk.config.settings import Settings
from vulndesk.config.values import PREFIX

__all__ = ["INTAKE_RATE", "PREFIX", "ImapSettings", "Settings"]
