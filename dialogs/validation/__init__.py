"""Checking a bot's dialogs before a customer sees them: what ``omnibot validate`` reports across
files, one line per mistake (names a broken file defines are not checked, not unknown), and
trigger phrases that collide.
"""
