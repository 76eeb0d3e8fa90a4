"""Built-in actions that record the customer's answer about marketing.

- ``opt_in`` (``wording``): the customer said yes to the question worded ``wording`` (what
  they were shown, kept word for word with the time and the channel);
- ``opt_out``: they withdrew it.

Both return ``{"marketing": <allowed now>}``. A flow asks, then calls one::

    - ask: offers
    - if: "slots.offers == 'yes'"
      then:
        - call: opt_in
          args: {wording: "Can we send you offers? (yes/no)"}
"""

from __future__ import annotations

from datetime import datetime

from pydantic import JsonValue

from bot.outreach.consent import MAX_WORDING, Consent, OutreachState

CONSENT_ARGUMENTS: dict[str, frozenset[str]] = {
    "opt_in": frozenset({"wording"}),
    "opt_out": frozenset(),
}
"""Each consent action and the arguments it takes (all of them required)."""


def answer(
    name: str,
    args: dict[str, JsonValue],
    state: OutreachState,
    channel: str | None,
    now: datetime,
) -> OutreachState:
    """``state`` with the answer of consent action ``name`` recorded."""
    wording = str(args.get("wording") or "")[:MAX_WORDING]
    consent = Consent(at=now, channel=channel, wording=wording, given=name == "opt_in")
    return state.answered(consent)


def result(state: OutreachState) -> JsonValue:
    """What a consent action returns to the flow."""
    return {"marketing": state.marketing_allowed}
