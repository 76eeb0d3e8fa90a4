"""Business events: what the store's systems tell the bot about a customer (:mod:`.business`,
the event; :mod:`.routes`, ``POST /events``, checked by :mod:`.signing` and matched to a
customer by :mod:`.customers`) and ``omnibot event``, which sends one (:mod:`.sender`)."""
