"""The common message format: what customers send, what the bot says, the transcript, and how a
message is degraded to what one channel can show.
"""
