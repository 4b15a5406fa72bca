"""SQLAlchemy table definitions, one module per feature; `schema.metadata` collects them."""
