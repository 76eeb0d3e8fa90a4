"""The kinds of step a flow can have: one module each, registered here.

A kind's module holds its YAML model and everything the kind does: what it is made of (for the
checks and the flow analysis), how it is drawn, and how it runs in a turn (see
:mod:`dialogs.steps.base`). :data:`KINDS` is the one list of them: the dialog language
(:mod:`dialogs.design.schema`) is built from it, in its order.
"""

from __future__ import annotations

from dialogs.steps.ask import AskStep
from dialogs.steps.base import StepBase
from dialogs.steps.branch import BranchStep
from dialogs.steps.call import CallStep
from dialogs.steps.end import EndStep
from dialogs.steps.flow import FlowStep
from dialogs.steps.goto import GotoStep
from dialogs.steps.handoff import HandoffStep
from dialogs.steps.run import RunStep
from dialogs.steps.say import SayStep
from dialogs.steps.set import SetStep
from dialogs.steps.wait import WaitStep

KINDS: dict[str, type[StepBase]] = {
    "say": SayStep,
    "ask": AskStep,
    "branch": BranchStep,
    "set": SetStep,
    "call": CallStep,
    "goto": GotoStep,
    "flow": FlowStep,
    "run": RunStep,
    "wait": WaitStep,
    "handoff": HandoffStep,
    "end": EndStep,
}
"""Each step kind by its key, in the order the dialog language lists them."""
