"""Regulator reports: drafts per recipient, two-person approval, decisions and headquarters oversight."""
