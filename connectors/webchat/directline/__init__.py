"""Direct Line 3.0, the subset the Bot Framework Web Chat needs: a second front end of the web
chat, cut from the same pattern as every channel.

:mod:`.tokens` verifies the credentials (the secret, and the tokens made from it), :mod:`.inbound`
reads what a client posts into the common format, :mod:`.outbound` renders the transcript as the
activities a client is shown, and :mod:`.routes` serves them under ``/v3/directline``, mounted by
the web chat connector when ``OMNIBOT_DIRECTLINE_SECRET`` is set.
"""
