"""The record's integrity and secrecy: audit-chain verification, signed checkpoints and key rotation."""
