"""Disclosure: the one guard on every way out, claimed instants, the ledger of who was told what, and exposure."""
