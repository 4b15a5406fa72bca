"""Intake: public reports by form, API and mail, their follow-up thread, duplicates, receipts and idempotent retries."""
