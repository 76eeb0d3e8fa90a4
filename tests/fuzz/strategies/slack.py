"""What hostile Slack input is made of (Events API envelopes, clicks), and how it is signed and
posted as Slack does."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time

from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack import BOT_USER, TEAM
from tests.fuzz.kit import SLACK_SECRET, Everything
from tests.fuzz.strategies import sometimes, texts

EVENTS = "/slack/events"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_ids = itertools.count(1)


def signed(body: bytes, at: float | None = None, secret: str = SLACK_SECRET) -> dict[str, str]:
    """Slack's headers for ``body``: ``SignatureVerifier``'s signature (the same HMAC, computed
    here, for a body that is not UTF-8, which the verifier cannot take)."""
    timestamp = str(int(time.time() if at is None else at))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        base = b"v0:" + timestamp.encode() + b":" + body
        signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    else:
        verifier = SignatureVerifier(secret)
        made = verifier.generate_signature(timestamp=timestamp, body=text)
        assert made is not None  # only ever None without a timestamp
        signature = made
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


async def post(
    bot: Everything, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> int:
    headers = {"Content-Type": content_type, **(signed(body) if headers is None else headers)}
    answer = await bot.request("POST", EVENTS, body, headers)
    await bot.settle()
    return answer.status


names = st.text(min_size=1, max_size=20)
users = sometimes(st.sampled_from(["U0ANA", "U0BRUNO"]) | names | st.just(BOT_USER))
channels = sometimes(st.sampled_from(["D0ANA", "C0STORE"]) | names)
fresh = st.builds(lambda: f"{int(time.time())}.{next(_ids):06d}")
stamps = sometimes(fresh)
slack_files = st.fixed_dictionaries(
    {"id": sometimes(st.text(min_size=1, max_size=20))},
    optional={
        "name": texts,
        "mimetype": st.sampled_from(["image/png", "audio/mp4", "video/mp4", "x/y"]) | texts,
        "subtype": st.sampled_from(["slack_audio"]) | texts,
        "url_private": texts.map(lambda t: "https://files.slack.com/" + t),
        "size": st.integers(-1, 2**40),
        "mode": st.sampled_from(["hosted", "tombstone", "hidden_by_limit"]),
    },
)
words = st.one_of(
    texts, texts.map(lambda t: f"<@{BOT_USER}> {t}"), st.text(min_size=1, max_size=80), names
)
direct = st.fixed_dictionaries(
    {
        "type": st.just("message"),
        "channel": st.just("D0ANA"),
        "user": st.sampled_from(["U0ANA", "U0BRUNO"]),
        "ts": fresh,
        "text": words,
        "channel_type": st.just("im"),
    },
    optional={"files": st.lists(slack_files, max_size=12), "thread_ts": stamps},
)
"""A direct message to the bot, with what a message may carry."""
message_events = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["message", "message", "app_mention", "reaction_added"]),
        "channel": channels,
        "user": users,
        "ts": stamps,
        "text": words,
        "channel_type": st.sampled_from(["im", "channel", "group"]),
    },
    optional={
        "subtype": st.sampled_from(["file_share", "message_changed", "bot_message"]) | texts,
        "thread_ts": stamps,
        "bot_id": texts,
        "files": st.lists(slack_files, max_size=12),
        "edited": st.fixed_dictionaries({"user": texts, "ts": texts}),
    },
)
envelopes = st.fixed_dictionaries(
    {
        "type": sometimes(st.just("event_callback")),
        "team_id": sometimes(st.just(TEAM)),
        "event_id": sometimes(st.builds(lambda: f"Ev{next(_ids):08d}")),
        "event": sometimes(direct | message_events),
    },
    optional={"api_app_id": texts, "event_time": st.integers()},
)
actions = st.fixed_dictionaries(
    {
        "action_id": texts,
        "type": st.sampled_from(["button", "static_select"]),
        "action_ts": sometimes(stamps),
    },
    optional={"value": texts, "text": st.fixed_dictionaries({"type": texts, "text": texts})},
)
clicks = st.fixed_dictionaries(
    {
        "type": sometimes(st.just("block_actions")),
        "user": st.fixed_dictionaries({"id": users}, optional={"team_id": st.just(TEAM)}),
        "actions": st.lists(actions, max_size=3),
    },
    optional={
        "team": st.fixed_dictionaries({"id": sometimes(st.just(TEAM))}),
        "channel": st.fixed_dictionaries({"id": channels}),
        "container": st.fixed_dictionaries(
            {"type": texts}, optional={"channel_id": channels, "thread_ts": stamps}
        ),
        "message": st.fixed_dictionaries({}, optional={"ts": stamps, "thread_ts": stamps}),
    },
)
