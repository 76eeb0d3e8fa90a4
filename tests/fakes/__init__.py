"""Every vendor omnibot talks to, played locally: what the vendor answers and what it sends.

- :mod:`tests.fakes.base`: the plumbing (a server on 127.0.0.1 that records calls and fails on
  request); each fake is an async context manager.
- Telegram: :mod:`tests.fakes.telegram` (the Bot API) and :mod:`tests.fakes.telegram_updates`
  (the updates Telegram posts or hands to ``getUpdates``).
- Slack: :mod:`tests.fakes.slack` (the Web API, its users and Block Kit checks) and
  :mod:`tests.fakes.slack_events` (the events and clicks Slack sends, signed with slack_sdk's
  own verifier).
- Twilio: :mod:`tests.fakes.twilio` (Messaging, and the webhooks it signs and posts) and
  :mod:`tests.fakes.verify` (Twilio Verify).

No test reaches a real vendor: the fakes check each call as the real API would and answer in
its shape.
"""
