"""What SMS and WhatsApp through Twilio share: the signature check of Twilio's webhooks
(:mod:`.signature`), the typed reading of its forms (:mod:`.forms`) and of its message status
callback (:mod:`.status_callback`) and the route that answers it (:mod:`.status_route`), and the
REST client with its refusals (:mod:`.client`).

Not a channel (the registry never plans it): ``connectors/sms/`` and
``connectors/whatsapp/twilio/`` use it. Importing this package imports nothing from twilio.
"""
