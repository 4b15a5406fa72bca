"""Pure builders of every document that leaves vulndesk, with redaction by policy."""
