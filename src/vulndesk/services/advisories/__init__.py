"""Advisories: versioned revisions of a case's advisory, two-person approval and publishing."""
