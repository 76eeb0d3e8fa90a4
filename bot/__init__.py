"""omnibot's core: the common message format, the turn pipeline, the server, config and CLI.

The core imports no vendor SDK: connectors and memory backends depend on it, not the reverse.
"""

__version__ = "0.1.0"
