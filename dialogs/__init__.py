"""The YAML dialog language: its schema, loader and runtime."""
