"""The agent console: ``GET /agent`` (the page), its JSON API under ``/agent/api/`` and its
websocket at ``/agent/ws``; see ``docs/agents.md``."""
