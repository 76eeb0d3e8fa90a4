"""Connectors: one module per channel, translating it to and from the common message format."""
