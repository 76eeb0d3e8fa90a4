"""The business speaking first: events from the store that flows act on (:mod:`.events`), the
durable scheduler that timers and follow-ups stand on (:mod:`.schedule`, the contract;
:mod:`.scheduler`, what fires it), and where and whether each proactive message goes
(:mod:`.reach`, with :mod:`.consent`, :mod:`.quiet` and :mod:`.optout`). See
``docs/outreach.md``."""
