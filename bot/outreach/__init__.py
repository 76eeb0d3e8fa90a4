"""The business speaking first: events from the store that flows act on (:mod:`.events`), and the
durable scheduler that timers and follow-ups stand on (:mod:`.schedule`, the contract;
:mod:`.scheduler`, what fires it). See ``docs/outreach.md``."""
