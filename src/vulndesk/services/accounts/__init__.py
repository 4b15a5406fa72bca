"""Accounts: users, roles, sign-in (password, TOTP, single sign-on), sessions, API tokens and preferences."""
