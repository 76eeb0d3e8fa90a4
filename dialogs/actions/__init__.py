"""Actions: what flows call to reach the world (Python actions a bot folder registers, HTTP actions
compiled at load, built-in ones).

A bot folder's ``actions.py`` imports what it needs from here::

    from dialogs.actions import ActionContext, ActionFailed, action
"""

from dialogs.actions.registry import ActionContext, ActionFailed, action

__all__ = ["ActionContext", "ActionFailed", "action"]
