"""WhatsApp through Meta's Cloud API: a signed webhook in (:mod:`.inbound`), the Graph API out
(:mod:`.client`, :mod:`.outbound`, :mod:`.api_types`), no vendor SDK."""
