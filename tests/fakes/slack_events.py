"""Building Slack's requests as Slack sends them, signed with slack_sdk's own verifier."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack import BOT_USER, TEAM

SECRET = "fake-signing-secret-for-tests"
ANA = "U0ANA"
BRUNO = "U0BRUNO"
DM = "D0ANA"
CHANNEL = "C0STORE"

Json = dict[str, Any]
_counter = itertools.count(1)


def ts() -> str:
    """A fresh message timestamp, as Slack writes them."""
    return f"{int(time.time())}.{next(_counter):06d}"


def signed(body: str, *, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    """The headers Slack sends with ``body``: a timestamp and its signature."""
    timestamp = str(int(time.time() if at is None else at))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None  # only ever None without a timestamp
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


def envelope(event: Json, event_id: str | None = None) -> Json:
    """An Events API ``event_callback`` around ``event``."""
    return {
        "token": "deprecated-verification-token",
        "team_id": TEAM,
        "api_app_id": "A0TEST",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_counter):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        "is_ext_shared_channel": False,
        "event_context": "4-fake",
    }


def message(
    text: str,
    *,
    user: str = ANA,
    channel: str = DM,
    channel_type: str = "im",
    at: str | None = None,
    **extra: Any,
) -> Json:
    """A ``message`` event (a direct message by default)."""
    stamp = at or ts()
    return {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": stamp,
        "event_ts": stamp,
        "channel_type": channel_type,
        "team": TEAM,
        "client_msg_id": f"m-{stamp}",
        **extra,
    }


def mention(
    text: str, *, user: str = ANA, channel: str = CHANNEL, at: str | None = None, **extra: Any
) -> Json:
    """An ``app_mention`` event: ``text`` after the bot's mention."""
    stamp = at or ts()
    return {
        "type": "app_mention",
        "channel": channel,
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": stamp,
        "event_ts": stamp,
        "team": TEAM,
        **extra,
    }


def click(post: Json, title: str, *, user: str = ANA) -> Json:
    """The ``block_actions`` payload of ``user`` clicking the button ``title`` of a posted
    message (as the fake Slack recorded it)."""
    for block in post["blocks"]:
        for element in block.get("elements", []):
            if element["text"]["text"] == title:
                return _click(post, block, element, user)
    raise AssertionError(f"no button {title!r} in {post['blocks']}")


def _click(post: Json, block: Json, element: Json, user: str) -> Json:
    container: Json = {
        "type": "message",
        "message_ts": post["ts"],
        "channel_id": post["channel"],
        "is_ephemeral": False,
    }
    if post.get("thread_ts"):
        container["thread_ts"] = post["thread_ts"]
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "ana", "name": "ana", "team_id": TEAM},
        "api_app_id": "A0TEST",
        "token": "deprecated-verification-token",
        "container": container,
        "trigger_id": f"{next(_counter)}.fake",
        "team": {"id": TEAM, "domain": "fake-workspace"},
        "channel": {"id": post["channel"], "name": "directmessage"},
        "message": {"ts": post["ts"], "thread_ts": post.get("thread_ts"), "type": "message"},
        "response_url": "https://hooks.slack.invalid/actions/fake",
        "actions": [
            {
                "action_id": element["action_id"],
                "block_id": block.get("block_id", "b1"),
                "text": element["text"],
                "value": element.get("value"),
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def form(payload: Json) -> str:
    """An interactivity request body: the payload as JSON in a form field."""
    return urlencode({"payload": json.dumps(payload)})


def texts(post: Json) -> list[str]:
    """The section texts of a posted message."""
    return [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]


def buttons(post: Json) -> list[str]:
    """The button titles of a posted message."""
    return [
        element["text"]["text"]
        for block in post["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
