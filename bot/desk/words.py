"""What a customer will see when an agent acts, for the console to show before the agent does.

The dialog side renders the bot's own messages (the greeting on a claim, the words on handing
back) in the customer's language, with the designer's overrides, and names flows by their
titles (:mod:`dialogs.design.agent_words`); this module holds the contract, and
:class:`PlainWords`, what a bot without flows says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.desk.summary import humanised
from bot.turn.customer import CustomerRecord


@dataclass(frozen=True, slots=True)
class FlowChoice:
    """A flow an agent may hand a customer back into: its ``name`` and its ``title`` in the
    customer's language (the name made readable when the flow has no title)."""

    name: str
    title: str


class ActionWords(Protocol):
    """The customer's side of the agents' actions."""

    def greeting(self, customer: CustomerRecord, agent: str) -> str:
        """What the customer is told when ``agent`` claims the conversation."""
        ...

    def handed_back(self, customer: CustomerRecord) -> str:
        """What the customer is told when the conversation goes back to the bot."""
        ...

    def flows(self, customer: CustomerRecord) -> list[FlowChoice]:
        """The flows an agent may resolve into, titled in the customer's language: those a
        customer can be put into (not those the business starts on its own events)."""
        ...

    def not_for_customers(self, flow: str) -> str | None:
        """Why an agent may not start ``flow`` for a customer (``None``: they may)."""
        ...


class PlainWords:
    """The words of a bot without flows."""

    def greeting(self, customer: CustomerRecord, agent: str) -> str:
        """The built-in greeting."""
        return f"{agent} from our team is here to help."

    def handed_back(self, customer: CustomerRecord) -> str:
        """The built-in words on handing back."""
        return "Thanks for waiting! You're back with the assistant. How else can I help?"

    def flows(self, customer: CustomerRecord) -> list[FlowChoice]:
        """No flows."""
        return []

    def not_for_customers(self, flow: str) -> str | None:
        """No flow is the business's own."""
        return None


def choice(name: str, title: str | None) -> FlowChoice:
    """A flow by its title, else its name made readable."""
    return FlowChoice(name=name, title=title or humanised(name))
