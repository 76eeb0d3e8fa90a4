"""WhatsApp through Twilio: the second way into the ``whatsapp`` channel, of the same shape as
the Cloud API's (settings, inbound, outbound, client, connector).

Twilio's webhooks are signed and read as SMS's are (:mod:`connectors.twilio`); messages go out
through Twilio's Messages API from ``TWILIO_WHATSAPP_FROM``, choices through the Content API
templates of ``channels.whatsapp.twilio_content``. :func:`connectors.whatsapp.plan` decides
whether it is on, alone or beside the Cloud API.
"""
