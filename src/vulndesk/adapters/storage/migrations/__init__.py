"""Alembic migrations of the vulndesk schema; env.py runs them on the engine it is handed."""
