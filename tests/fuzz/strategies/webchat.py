"""What hostile web chat input is made of (hellos, identities, frames; Direct Line activities),
and how a socket is spoken to and a Direct Line conversation started."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
from typing import Any

import aiohttp
from hypothesis import strategies as st

from bot.http.limits import MAX_WEBCHAT_FRAME
from connectors.webchat.signed_identity import sign
from tests.fuzz.kit import DIRECTLINE_SECRET, WEBCHAT_SECRET, Everything
from tests.fuzz.strategies import dumps, json_values, sometimes, texts

_ids = itertools.count(1)
SENTINEL = {"type": "hello"}
"""A second hello is always refused with one error frame: seeing it means every frame before
it was handled."""


def _part(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def jwt(header: object, claims: object, secret: str = WEBCHAT_SECRET) -> str:
    """A JWT with any header and claims, signed (HS256) as a host site would."""
    head, body = _part(dumps(header)), _part(dumps(claims))
    digest = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_part(digest)}"


now = int(time.time())
claims = st.fixed_dictionaries(
    {
        "sub": sometimes(st.text(min_size=1, max_size=40)),
        "exp": sometimes(st.integers(now + 60, now + 6 * 24 * 3600)),
    },
    optional={
        "name": texts,
        "email": st.emails() | texts,
        "email_verified": st.booleans() | json_values,
        "phone_number": st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True) | texts,
        "phone_number_verified": st.booleans(),
        "iat": json_values,
    },
)
identities = st.one_of(
    claims.map(lambda c: sign(c, WEBCHAT_SECRET)),
    st.tuples(json_values, claims).map(lambda hc: jwt(hc[0], hc[1])),
    st.tuples(st.just({"alg": "HS256"}), json_values).map(lambda hc: jwt(hc[0], hc[1])),
    claims.map(lambda c: sign(c, "not-the-secret")),
    texts,
    st.lists(texts, min_size=3, max_size=3).map(".".join),
)
hellos = st.fixed_dictionaries(
    {"type": sometimes(st.just("hello"))},
    optional={
        "protocol": sometimes(st.just(1)),
        "session": sometimes(st.builds(lambda: secrets.token_urlsafe(32))),
        "identity": identities,
        "locale": sometimes(st.sampled_from(["en", "pt-BR"])),
        "after": sometimes(st.sampled_from(["0-0", "1732312345678-0"])),
        "link": sometimes(st.text(min_size=1, max_size=70)),
    },
)
client_ids = sometimes(st.builds(lambda: f"m{next(_ids)}"))
frames = st.one_of(
    st.fixed_dictionaries({"type": st.just("message"), "id": client_ids, "text": texts}),
    st.fixed_dictionaries(
        {
            "type": st.just("button"),
            "id": client_ids,
            "payload": st.sampled_from(["flow:order_status", "flow:talk_to_person"]) | texts,
        },
        optional={"title": texts},
    ),
    st.just({"type": "typing"}),
    json_values,
)


def too_big(*sent: Any) -> tuple[int, ...]:
    """(1009,) if one of the frames is over the limit: the socket closes for it."""
    sizes = [len((f if isinstance(f, str) else json.dumps(f)).encode()) for f in sent]
    return (1009,) if max(sizes) > MAX_WEBCHAT_FRAME else ()


async def chat(bot: Everything, hello: Any, sent: list[Any]) -> tuple[list[Any], int | None]:
    """Open a socket, say ``hello``, send ``sent`` (JSON values or raw text), then the sentinel;
    the frames the server sent, and its close code if it closed."""
    async with bot.http.ws_connect(bot.url("/chat/ws")) as ws:
        await ws.send_str(hello if isinstance(hello, str) else json.dumps(hello))
        for frame in [*sent, SENTINEL]:
            await ws.send_str(frame if isinstance(frame, str) else json.dumps(frame))
        received: list[Any] = []
        while True:
            message = await ws.receive(timeout=10)
            if message.type is not aiohttp.WSMsgType.TEXT:
                return received, ws.close_code
            received.append(json.loads(message.data))
            if received[-1].get("message") == "hello is only the first frame":
                return received, None


DL = "/v3/directline"


async def start(bot: Everything) -> tuple[str, str]:
    """A Direct Line conversation, started with the secret: its id and token."""
    answer = await bot.request(
        "POST", f"{DL}/conversations", headers={"Authorization": f"Bearer {DIRECTLINE_SECRET}"}
    )
    started = json.loads(answer.text)
    return started["conversationId"], started["token"]


activities = st.fixed_dictionaries(
    {"type": sometimes(st.sampled_from(["message", "typing", "event", "invoke"]))},
    optional={
        "text": texts,
        "value": texts | json_values,
        "from": st.fixed_dictionaries({}, optional={"id": texts, "name": texts}),
        "locale": sometimes(st.sampled_from(["en", "pt-BR"])),
        "channelData": st.fixed_dictionaries(
            {},
            optional={
                "clientActivityID": sometimes(st.builds(lambda: f"a{next(_ids)}")),
                "postBack": st.booleans(),
                "messageBack": st.fixed_dictionaries({}, optional={"displayText": texts}),
            },
        ),
        "attachments": st.lists(json_values, max_size=2),
    },
)


messages = st.fixed_dictionaries(
    {
        "type": st.just("message"),
        "text": st.text(min_size=1, max_size=80) | texts,
        "channelData": st.builds(lambda: {"clientActivityID": f"a{next(_ids)}"}),
    },
    optional={"locale": texts, "from": st.fixed_dictionaries({"name": texts})},
)
"""What Web Chat posts when the customer types, with oddities."""
