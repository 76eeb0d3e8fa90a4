"""Outside the 24-hour window through Twilio: the approved template goes by its Content API SID
(``content_sid`` in ``channels.whatsapp.templates``), checked by the fake Twilio against the
template registered in the account; a template with no SID is refused loudly and recorded as
the message's failure, never dropped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app.config import load_bot_config
from bot.errors import ConfigError
from bot.format.messages import SystemEvent, utcnow
from connectors.whatsapp.twilio.settings import approved
from tests.fakes.twilio import WHATSAPP_SENDER, Content
from tests.helpers import Clock
from tests.whatsapp.kit import NEWS, SHIPPED, news, notes
from tests.whatsapp.twilio_kit import TO, TwilioBotFactory, TwilioWhatsappBot

SID = "HX" + "ab" * 16


def reopen(content_sid: str | None) -> dict[str, Any]:
    """``channels.whatsapp.templates`` with one ``reopen`` template, with or without a SID."""
    template: dict[str, Any] = {
        "name": "reopen_conversation",
        "language": "en_US",
        "parameters": ['{{ profile.name or "there" }}', "{{ message }}"],
    }
    if content_sid is not None:
        template["content_sid"] = content_sid
    return {"reopen": {"en": template}}


def write_bot_yaml(folder: Path, templates: dict[str, Any]) -> None:
    """A bot folder whose ``bot.yaml`` has these WhatsApp templates."""
    bot = {"name": "shop", "languages": ["en"], "channels": {"whatsapp": {"templates": templates}}}
    (folder / "bot.yaml").write_text(yaml.safe_dump(bot))


async def later_news(bot: TwilioWhatsappBot, clock: Clock, hours: float) -> None:
    """The customer writes, ``hours`` pass, then their order ships (news the bot sends)."""
    assert await bot.write("hi") == 200
    await bot.replies(1)
    await bot.settle()
    clock.advance(hours=hours)
    customer = await bot.customer()
    assert customer is not None
    await bot.runtime.pipeline.notify(customer, SystemEvent(name=SHIPPED))
    await bot.settle()
    await bot.settle()


async def test_outside_the_window_twilio_sends_the_template_by_its_content_sid(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    clock = Clock(utcnow())
    bot = await make_twilio_bot(handler=news, clock=clock, templates=reopen(SID))
    bot.twilio.contents[SID] = Content("twilio/text", parameters=2)
    await later_news(bot, clock, hours=25)
    [_, template] = await bot.replies(2)
    assert template.content_sid == SID
    assert template.content_variables == {
        "1": "Ana",
        "2": "Your order shipped. It arrives on Friday.",
    }
    assert template.body is None
    assert template.sender == WHATSAPP_SENDER
    assert notes(await bot.transcript(), "window")
    assert not any(s.status == "failed" for s in await bot.statuses())


async def test_inside_the_window_twilio_sends_free_form_words(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    clock = Clock(utcnow())
    bot = await make_twilio_bot(handler=news, clock=clock, templates=reopen(SID))
    bot.twilio.contents[SID] = Content("twilio/text", parameters=2)
    await later_news(bot, clock, hours=23)
    [_, words] = await bot.replies(2)
    assert words.content_sid is None
    assert words.body == NEWS


async def test_a_template_without_content_sid_is_a_recorded_failure_not_silence(
    make_twilio_bot: TwilioBotFactory,
) -> None:
    clock = Clock(utcnow())
    bot = await make_twilio_bot(handler=news, clock=clock, templates=reopen(None))
    await later_news(bot, clock, hours=25)
    assert len(bot.twilio.to(TO)) == 1
    [failed] = [s for s in await bot.statuses() if s.status == "failed"]
    assert "content_sid" in (failed.detail or "")
    assert "reopen_conversation" in (failed.detail or "")


def test_a_malformed_content_sid_is_refused_when_bot_yaml_loads(tmp_path: Path) -> None:
    write_bot_yaml(tmp_path, reopen("HX-not-a-sid"))
    with pytest.raises(ConfigError) as raised:
        load_bot_config(tmp_path)
    assert "content_sid" in str(raised.value)
    assert "bot.yaml:" in str(raised.value)


def test_twilio_settings_carry_the_content_sids_of_the_templates(tmp_path: Path) -> None:
    write_bot_yaml(tmp_path, reopen(SID))
    assert approved(load_bot_config(tmp_path)) == {("reopen_conversation", "en_US"): SID}
