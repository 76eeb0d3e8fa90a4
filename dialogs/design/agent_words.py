"""The customer's side of agents' actions in the bot's own words (see :mod:`bot.desk.words`):
the built-in ``agent_joined`` and ``agent_left`` messages as the designer wrote or overrode them,
rendered in the customer's language, and the flows by their titles in that language. Pure: the
flow set is asked for each time, so that reloaded flows are what the console shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.desk.words import FlowChoice, choice
from bot.format import language_tags
from bot.format.outbound import Text
from bot.turn.customer import CustomerRecord
from dialogs.design.content import Speaker
from dialogs.design.flowset import FlowSet
from dialogs.design.parts import Localized


class FlowWords:
    """:class:`~bot.desk.words.ActionWords` of the bot whose flows ``flowset()`` gives."""

    def __init__(self, flowset: Callable[[], FlowSet]) -> None:
        self._flowset = flowset

    def greeting(self, customer: CustomerRecord, agent: str) -> str:
        """``agent_joined`` with the agent's name."""
        return self._said("agent_joined", customer, {"agent": agent})

    def handed_back(self, customer: CustomerRecord) -> str:
        """``agent_left``."""
        return self._said("agent_left", customer, {})

    def flows(self, customer: CustomerRecord) -> list[FlowChoice]:
        """Every flow, by title in the customer's language, in the order of the titles."""
        flowset = self._flowset()
        language = _language(flowset, customer.language)
        found = [
            choice(name, _pick(flow.definition.title, language, flowset.default_language))
            for name, flow in flowset.flows.items()
            if self.not_for_customers(name) is None
        ]
        return sorted(found, key=lambda item: item.title.casefold())

    def not_for_customers(self, flow: str) -> str | None:
        """A flow that a business event runs (``triggers: {event: order.shipped}``) is the
        business's to start: it speaks first, of the event's data, which an agent has not."""
        found = self._flowset().flows.get(flow)
        triggers = found.definition.triggers if found is not None else None
        if triggers is None or triggers.event is None:
            return None
        return (
            f"'{flow}' is started by the business when the store's systems send the event"
            f" {triggers.event}, not for a customer"
        )

    def _said(self, key: str, customer: CustomerRecord, extra: dict[str, Any]) -> str:
        flowset = self._flowset()
        language = _language(flowset, customer.language)
        context = {"profile": customer.profile, "language": language, **extra}
        speaker = Speaker(flowset.templates, language, flowset.default_language, context)
        try:
            said = speaker.say(flowset.messages.get(key))
        except Exception:  # a designer's broken template: the turn notes it, the preview says so
            return "(this message cannot be shown: its template is broken)"
        return "\n".join(message.text for message in said if isinstance(message, Text))


def _language(flowset: FlowSet, wanted: str | None) -> str:
    found = language_tags.closest(wanted, flowset.languages) if wanted else None
    return found if found is not None else flowset.default_language


def _pick(value: Localized | None, language: str, fallback: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return language_tags.pick(value, language, fallback) or next(iter(value.values()), None)
