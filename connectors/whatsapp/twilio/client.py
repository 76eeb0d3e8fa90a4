"""Twilio's Messages API for WhatsApp: the shared client (:mod:`connectors.twilio.client`)
reading refusals with Twilio's table plus the WhatsApp codes.

=====================================================  ======================================
Twilio says                                            omnibot raises
=====================================================  ======================================
63016 (more than 24 hours since the customer wrote)    ReengagementRequired
63003, 63024 (the number cannot receive WhatsApp)      Unreachable
63018, 429 (the sender's WhatsApp rate limit)          RateLimited (retried after 6 s when
                                                       Twilio names no wait)
63007 (no WhatsApp sender with that From)              ChannelMisconfigured
21655, 21656 (unknown ContentSid, bad variables)       ChannelMisconfigured
the SMS codes (20003 credentials, 21211, 429, 5xx...)  as for SMS
=====================================================  ======================================
"""

from __future__ import annotations

from dataclasses import replace

from bot.errors import ChannelMisconfigured, RateLimited, Unreachable
from connectors.refusals import Meaning
from connectors.twilio.client import ERRORS as MESSAGES_ERRORS
from connectors.twilio.client import TwilioMessages
from connectors.whatsapp.rules import PAIR_WAIT, ReengagementRequired
from connectors.whatsapp.twilio.settings import TwilioWhatsappSettings

_CONTENT = "check channels.whatsapp.twilio_content in bot.yaml"
ERRORS = replace(
    MESSAGES_ERRORS,
    default_wait=PAIR_WAIT,
    codes={
        **MESSAGES_ERRORS.codes,
        63016: Meaning(
            ReengagementRequired,
            "{tag}: more than 24 hours since the customer wrote; only a template may go",
        ),
        63003: Meaning(Unreachable, "{tag}: the number cannot receive WhatsApp messages"),
        63024: Meaning(Unreachable, "{tag}: WhatsApp refused the recipient"),
        63018: Meaning(RateLimited, "{tag}: the WhatsApp sender's rate limit"),
        63007: Meaning(
            ChannelMisconfigured, "{tag}: no WhatsApp sender of that number (TWILIO_WHATSAPP_FROM)"
        ),
        21655: Meaning(
            ChannelMisconfigured, "{tag}: Twilio does not know the ContentSid; " + _CONTENT
        ),
        21656: Meaning(
            ChannelMisconfigured, "{tag}: the template's variables do not fit; " + _CONTENT
        ),
    },
)
"""What Twilio's refusals of a WhatsApp message mean (the module docstring's table)."""


def messages(settings: TwilioWhatsappSettings) -> TwilioMessages:
    """The Messages API of the account, reading refusals with :data:`ERRORS`."""
    return TwilioMessages(
        settings.account_sid, settings.auth_token, settings.api_base, settings.timeout, ERRORS
    )
