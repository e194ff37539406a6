"""Connectors: one small interface, one module per target."""
