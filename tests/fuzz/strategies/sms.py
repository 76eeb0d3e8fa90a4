"""What hostile Twilio input is made of (incoming messages, status callbacks), and how it is
signed and posted as Twilio does."""

from __future__ import annotations

import itertools
import secrets
from urllib.parse import urlencode

from hypothesis import strategies as st
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER
from tests.fuzz.kit import PUBLIC_URL, Everything
from tests.fuzz.strategies import sometimes, texts

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_numbers = itertools.count(5_550_000)


def signature(path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """``X-Twilio-Signature`` for a POST of ``form`` to the bot's public URL + ``path``."""
    return str(RequestValidator(token).compute_signature(PUBLIC_URL + path, form))


async def post(bot: Everything, path: str, form: dict[str, str], signed: str | None = None) -> int:
    headers = {**FORM, "X-Twilio-Signature": signature(path, form) if signed is None else signed}
    answer = await bot.request("POST", path, urlencode(form).encode(), headers)
    await bot.settle()
    return answer.status


fields = st.dictionaries(texts, texts, max_size=8)
sids = sometimes(st.builds(lambda: "SM" + secrets.token_hex(16)))
numbers = sometimes(
    st.builds(lambda: f"+1202{next(_numbers)}")
    | st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)
)
media = st.lists(
    st.tuples(
        sometimes(texts.map(lambda t: "https://api.twilio.com/m/" + t)),
        st.sampled_from(["image/jpeg", "audio/ogg", "video/mp4", "application/pdf"]) | texts,
    ),
    max_size=12,
).filter(lambda files: all(isinstance(url, str) for url, _ in files))


@st.composite
def incoming(draw: st.DrawFn) -> dict[str, str]:
    """Twilio's incoming message form, nearly right, with extra fields now and then."""
    files = draw(media)
    form = {
        "MessageSid": draw(sids),
        "AccountSid": draw(sometimes(st.just(ACCOUNT_SID))),
        "From": draw(numbers),
        "To": draw(sometimes(st.just(BOT_NUMBER))),
        "Body": draw(texts | st.sampled_from(["STOP", "start", "HELP", "2", "agent"])),
        "NumMedia": draw(sometimes(st.just(str(len(files))))),
    }
    for index, (url, content_type) in enumerate(files):
        form[f"MediaUrl{index}"] = url
        form[f"MediaContentType{index}"] = content_type
    if draw(st.booleans()):
        form["OptOutType"] = draw(st.sampled_from(["STOP", "START", "HELP", "x"]))
    extra = draw(st.sampled_from([{}, {}, {}]) | fields)
    return {str(k): str(v) for k, v in {**form, **extra}.items()}


statuses = st.fixed_dictionaries(
    {
        "MessageSid": sids,
        "AccountSid": sometimes(st.just(ACCOUNT_SID)),
        "MessageStatus": st.sampled_from(["delivered", "failed", "sent", "undelivered"]) | texts,
        "To": numbers,
    },
    optional={"ErrorCode": st.sampled_from(["", "30003", "-1", "x"]) | texts},
).map(lambda form: {k: str(v) for k, v in form.items()})
queries = st.fixed_dictionaries(
    {}, optional={"m": st.text(max_size=30), "part": texts, "parts": texts, "x": texts}
)
