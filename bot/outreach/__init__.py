"""The business speaking first: the durable scheduler that timers and follow-ups stand on
(:mod:`bot.outreach.schedule`, the contract; :mod:`bot.outreach.scheduler`, what fires it)."""
