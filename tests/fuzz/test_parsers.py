"""Every inbound parser that is a pure function, called directly with hostile input: it returns
what it parsed or raises the one refusal its connector answers with, never anything else.

These run without a server, so they take many more examples than the end-to-end targets.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.desk.console.auth import check_password, load_agents
from bot.errors import ConfigError, InboundRejected
from bot.format.messages import Address, Command, InboundEvent
from bot.identity.link_codes import LinkCodes
from connectors.email import inbound as email
from connectors.email.reply import reply_text
from connectors.email.settings import EmailSettings, SmtpServer
from connectors.email.text import html_to_text
from connectors.slack import inbound as slack
from connectors.sms.compliance import KEYWORDS, keyword
from connectors.sms.inbound import parse as read_incoming
from connectors.sms.inbound import parse_status as read_status
from connectors.telegram.api_types import Update
from connectors.telegram.files import FileLinks
from connectors.telegram.inbound import IGNORED, BotProfile, event_id
from connectors.telegram.inbound import parse as parse_update
from connectors.webchat.directline.inbound import parse as to_event
from connectors.webchat.directline.inbound import read as parse_activity
from connectors.webchat.directline.tokens import DirectLineRefused, Tokens
from connectors.webchat.protocol import CLIENT_FRAME
from connectors.webchat.signed_identity import verify
from memory import EmbeddedMemory
from tests.email.kit import AUTHSERV, BOT_ADDRESS
from tests.fakes.telegram import BOT_ID, USERNAME
from tests.fakes.twilio import ACCOUNT_SID
from tests.fuzz.kit import EMAIL_TOKEN
from tests.fuzz.strategies import bodies, fuzz, json_texts, json_values, texts
from tests.fuzz.strategies.email import huge, mails
from tests.fuzz.strategies.slack import clicks, envelopes
from tests.fuzz.strategies.sms import incoming, statuses
from tests.fuzz.strategies.telegram import updates
from tests.fuzz.strategies.webchat import hellos, identities

SECRET = "fuzz-webchat-secret-0123456789"
EMAIL = EmailSettings(
    SmtpServer("127.0.0.1", 25, implicit_tls=False), BOT_ADDRESS, EMAIL_TOKEN, AUTHSERV, "Store"
)
E = TypeVar("E", bound=Exception)


def refusal(kind: type[E], call: Callable[[], object]) -> E | None:
    """The refusal ``call`` raised, or ``None`` if it returned (any other exception fails)."""
    try:
        call()
    except kind as exc:
        return exc
    return None


@fuzz(150)
@given(body=st.one_of(envelopes, clicks, st.dictionaries(json_texts, json_values, max_size=5)))
def test_slack_payloads_parse_or_are_refused(body: dict[str, Any]) -> None:
    def parse() -> None:
        found = slack.parse(slack.read(body), "U0BOT")
        if found is not None:
            found.event(None)

    refused = refusal(InboundRejected, parse)
    assert refused is None or refused.status == 400


@fuzz(150)
@given(form=incoming() | st.dictionaries(texts, texts, max_size=6))
def test_twilio_incoming_forms_parse_or_are_refused(form: dict[str, str]) -> None:
    refused = refusal(InboundRejected, lambda: read_incoming(form, ACCOUNT_SID, "en"))
    assert refused is None or refused.status in (400, 403)


@fuzz(200)
@given(
    form=statuses | st.dictionaries(texts, texts, max_size=6), query=st.dictionaries(texts, texts)
)
def test_twilio_status_forms_parse_or_are_refused(
    form: dict[str, str], query: dict[str, str]
) -> None:
    refused = refusal(InboundRejected, lambda: read_status(form, query, ACCOUNT_SID))
    assert refused is None or refused.status in (400, 403)


@fuzz(300)
@given(raw=mails | huge | bodies)
def test_received_mail_parses_or_is_refused(raw: bytes) -> None:
    refused = refusal(InboundRejected, lambda: email.receive(raw, EMAIL))
    assert refused is None or refused.status == 400


@fuzz(200)
@given(text=texts)
def test_any_reply_and_any_html_become_text_without_error(text: str) -> None:
    assert isinstance(reply_text(text), str)
    assert isinstance(html_to_text(f"<p>{text}</p><blockquote>{text}</blockquote>"), str)


@fuzz(150)
@given(authorization=st.none() | texts | texts.map(lambda t: f"Bearer {t}"))
def test_an_inbound_bearer_verifies_only_when_it_is_the_token(authorization: str | None) -> None:
    refused = refusal(InboundRejected, lambda: email.verify(authorization, EMAIL_TOKEN))
    given_token = (authorization or "").partition(" ")[2].strip()
    assert (refused is None) == (given_token == EMAIL_TOKEN)
    assert refused is None or refused.status == 401


@fuzz(200)
@given(body=texts)
def test_any_sms_body_is_a_keyword_or_none(body: str) -> None:
    found = keyword(body)
    assert found is None or found in KEYWORDS.values()
    assert keyword(f" {body}\n") == found, "surrounding spaces never make or unmake a keyword"


@fuzz(150)
@given(update=updates)
def test_telegram_updates_parse_or_are_left_for_the_connector_to_ignore(
    update: dict[str, Any],
) -> None:
    try:
        valid = Update.model_validate_json(json.dumps(update))
    except ValidationError:
        return  # the webhook's 400
    bot = BotProfile(BOT_ID, USERNAME)
    try:
        parsed = parse_update(valid, bot, lambda file_id: f"https://x/{file_id}")
    except ValidationError:
        return  # the connector's "holds what omnibot cannot represent; ignored"
    if valid.message is None and valid.callback_query is None:
        assert parsed == IGNORED
    if parsed.event is not None:
        assert parsed.event.channel == "telegram"
        assert parsed.event.event_id == event_id(bot, valid.update_id)


@fuzz(200)
@given(token=identities)
def test_web_chat_identities_verify_or_are_refused(token: str) -> None:
    refused = refusal(InboundRejected, lambda: verify(token, SECRET))
    assert refused is None or refused.status == 401


@fuzz(200)
@given(frame=st.one_of(hellos.map(json.dumps), json_values.map(json.dumps), texts))
def test_web_chat_frames_validate_or_are_refused(frame: str) -> None:
    try:
        valid = CLIENT_FRAME.validate_json(frame)
    except ValidationError:
        return  # the socket's "bad frame"
    assert valid.type == json.loads(frame)["type"]


@fuzz(200)
@given(body=bodies)
def test_direct_line_activities_parse_or_are_refused(body: bytes) -> None:
    refused = refusal(DirectLineRefused, lambda: to_event(parse_activity(body), "abcdefgh12345678"))
    assert refused is None or refused.status == 400


@fuzz(200)
@given(token=texts | st.lists(texts, min_size=3, max_size=3).map(".".join))
def test_direct_line_tokens_verify_or_are_refused(token: str) -> None:
    tokens = Tokens("fuzz-directline-secret-0123456789")
    refused = refusal(DirectLineRefused, lambda: tokens.verify(token))
    assert refused is None or refused.status in (401, 403)
    assert not tokens.is_secret(token)


@fuzz(200)
@given(file_id=texts, expires=texts, signature=texts)
def test_telegram_file_links_are_checked_without_error(
    file_id: str, expires: str, signature: str
) -> None:
    links = FileLinks("123:token-for-the-file-links-0123456789", "https://bot.example")
    assert links.valid(file_id, expires, signature) is False


@fuzz(200)
@given(
    text=texts,
    start=st.none() | texts,
    first=st.booleans(),
)
def test_link_codes_are_found_in_any_text_without_error(
    text: str, start: str | None, first: bool
) -> None:
    codes = LinkCodes(EmbeddedMemory())
    address = Address(channel="sms", user_id="+15551234567", conversation_id="+15551234567")
    common: dict[str, Any] = {"event_id": "e", "channel": "sms", "address": address}
    said = InboundEvent(kind="text", text=text or "x", **common)
    typed = codes.presented(said, first)
    if typed is not None:
        assert typed.guessable
        assert len(typed.value) == codes.rules.digits
        assert typed.explicit or first, "a bare code counts only as a first message"
    argument = start[:512] if start else None
    started = InboundEvent(
        kind="command", command=Command(name="start", argument=argument), **common
    )
    linked = codes.presented(started, first)
    assert linked is None or (linked.explicit and linked.value == (argument or "").strip())


@fuzz(200)
@given(password=json_texts, stored=texts | st.lists(texts, min_size=6, max_size=6).map("$".join))
def test_any_stored_password_is_checked_without_error(password: str, stored: str) -> None:
    assert check_password(password, "scrypt$" + stored) in (True, False)


@fuzz(100)
@given(lines=st.lists(texts | st.just("ana:scrypt$1$2$3$4$5"), max_size=5))
def test_any_users_file_loads_or_names_its_bad_lines(
    lines: list[str], tmp_path_factory: Any
) -> None:
    path = Path(tmp_path_factory.mktemp("agents")) / "agents.txt"
    path.write_text("\n".join(lines), "utf-8")
    error = refusal(ConfigError, lambda: load_agents([], path))
    assert error is None or all(problem.startswith(f"{path}:") for problem in error.problems)
