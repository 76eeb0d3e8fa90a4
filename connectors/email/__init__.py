"""E-mail as a channel."""
