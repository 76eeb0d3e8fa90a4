"""omnibot's core, in wings: ``format`` (the common message format), ``turn`` (the turn pipeline),
``identity`` (linking and joining customers), ``desk`` (handoff to people), ``http`` (the edge) and
``app`` (configuration, CLI, server and the composition root).

The core imports no vendor SDK: connectors and memory backends depend on it, not the reverse.
"""

__version__ = "0.1.0"
