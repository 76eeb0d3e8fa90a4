"""Built-in actions: linking a customer's channels from a flow.

Flows ``call`` them like any action; their names are reserved (``actions.py`` and ``actions:``
cannot reuse them).

- ``link_code`` gives a code and links for continuing on another channel:
  ``{code, minutes, telegram?, webchat?, sms?}`` (a channel's entry is its deep link, chat URL,
  or the number to text the code to; only channels that are on and have a way appear);
- ``send_code`` (``phone``) texts a one-time code to a phone the customer typed:
  ``{sent, reason?, to}``;
- ``check_code`` (``phone``, ``code``) checks the code they typed back: ``{ok, reason?, left}``.
  A right code proves the phone, which may link the customer's SMS conversation.

``opt_in`` and ``opt_out`` record the customer's answer about marketing
(:mod:`dialogs.actions.consent`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import JsonValue

from bot.identity.link_codes import LinkLimited
from bot.identity.phone_check import masked
from bot.identity.phone_codes import Checked, Sent
from bot.turn.handler import Linking
from dialogs.actions.consent import CONSENT_ARGUMENTS
from dialogs.actions.registry import ActionFailed

BUILTIN_ARGUMENTS: dict[str, frozenset[str]] = {
    "link_code": frozenset(),
    "send_code": frozenset({"phone"}),
    "check_code": frozenset({"phone", "code"}),
    **CONSENT_ARGUMENTS,
}
"""Each built-in action and the arguments it takes (all of them required)."""


@dataclass(frozen=True, slots=True)
class Called:
    """A built-in action's result, and a note for the transcript (never the code itself)."""

    result: JsonValue
    note: str | None = None


async def call_builtin(
    name: str,
    args: dict[str, JsonValue],
    linking: Linking | None,
    code_text: Callable[[str, int], str],
) -> Called:
    """Run built-in action ``name``; raises :class:`ActionFailed` like any action."""
    if linking is None:
        raise ActionFailed(f"action {name!r} needs linking, which this runner does not offer")
    if name == "link_code":
        return await _link_code(linking)
    phone = str(args.get("phone") or "")
    if name == "send_code":
        sent = await linking.send_code(phone, code_text)
        result: dict[str, JsonValue] = {"sent": sent is Sent.SENT, "to": masked(phone)}
        if sent is not Sent.SENT:
            result["reason"] = sent.value
        return Called(result, f"one-time code to {masked(phone)}: {sent.value}")
    checked = await linking.check_code(phone, str(args.get("code") or ""))
    ok = checked.outcome is Checked.VERIFIED
    answer: dict[str, JsonValue] = {"ok": ok, "left": checked.left}
    if not ok:
        answer["reason"] = checked.outcome.value
    return Called(answer, f"one-time code for {masked(phone)}: {checked.outcome.value}")


async def _link_code(linking: Linking) -> Called:
    try:
        code, invites = await linking.link_code()
    except LinkLimited as exc:
        raise ActionFailed(str(exc)) from exc
    minutes = max(1, round((code.expires_at - code.issued_at).total_seconds() / 60))
    result: dict[str, JsonValue] = {"code": code.spaced, "minutes": minutes, **invites}
    return Called(result, "link code given")
