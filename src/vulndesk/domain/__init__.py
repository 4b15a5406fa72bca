"""The domain: cases, products, parties, facts, obligations and lifecycle, as pure values."""
