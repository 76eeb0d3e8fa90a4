"""One turn of a conversation with a bot written as YAML flows, in the parts a turn goes through.

:mod:`~dialogs.conversation.turn` is the turn itself and the order in which a message is
understood; :mod:`~dialogs.conversation.understanding` reads the message (its language, the
flow or FAQ it asks for, a global intent) and :mod:`~dialogs.conversation.question` an answer
to the question pending; :mod:`~dialogs.conversation.events` handles system events, channel
commands and global intents. :mod:`~dialogs.conversation.stack` moves through the flows and
:mod:`~dialogs.conversation.runner` runs their steps (each kind's own code is in
:mod:`dialogs.steps`). :mod:`~dialogs.conversation.voice` speaks, and
:mod:`~dialogs.conversation.handoff` and :mod:`~dialogs.conversation.links` say what handing
off and linking channels need. :mod:`~dialogs.conversation.working` holds the state they all
change, read from the customer record and written back.
"""
