"""Connectors: one package per channel, cut from one pattern (see :mod:`bot.connector`), and
what they share: sending in order (:mod:`.sending`), reading a vendor's refusals
(:mod:`.refusals`), answering a webhook (:mod:`.webhook`), which channels exist
(:mod:`.channels`, :mod:`.registry`), and the in-process channel tests use (:mod:`.loopback`)."""
