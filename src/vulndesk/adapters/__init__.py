"""Adapters: storage, encryption, delivery and clocks behind the ports of services."""
