"""Built-in rule files (TOML); package data, no code."""
