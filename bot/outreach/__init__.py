"""What the business starts: events from the store that flows act on (docs/outreach.md)."""
