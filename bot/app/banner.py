"""The lines ``omnibot run`` prints when it starts: what is on, what is off, and where."""

from __future__ import annotations

from bot import __version__
from bot.app.compose import describe_memory
from bot.app.runtime import Runtime


def banner(runtime: Runtime, base_url: str, workers: int) -> str:
    """A few lines a person reads once: the bot, its memory, its channels and its URLs."""
    memory = describe_memory(runtime.settings)
    lines = [
        f"omnibot {__version__}: serving {runtime.config.name!r} from {runtime.bot_dir}",
        f"  memory    {memory}",
        f"  workers   {workers}",
    ]
    width = max((len(status.channel) for status in runtime.channels), default=0)
    for index, status in enumerate(runtime.channels):
        label = "channels" if index == 0 else ""
        state = f"on   {status.detail}" if status.on else status.detail
        lines.append(f"  {label:<9} {status.channel:<{width}}  {state}")
    if not runtime.channels:
        lines.append("  channels  none")
    lines.append(f"  codes     {codes(runtime)}")
    lines.append(f"  events    {events(runtime, base_url)}")
    agents = runtime.settings.agent_tokens or runtime.config.agents.users_file
    hint = "" if agents else "  (nobody can sign in: set OMNIBOT_AGENT_TOKENS or agents.users_file)"
    lines.append(f"  agents    {base_url}/agent{hint}")
    lines.append(
        f"  health    {base_url}/healthz   ready {base_url}/readyz   metrics {base_url}/metrics"
    )
    return "\n".join(lines)


def codes(runtime: Runtime) -> str:
    """How one-time codes go, and where: the SMS channel or Twilio Verify, the countries, the
    budget (see docs/omnichannel.md)."""
    settings = runtime.settings
    sms = any(status.channel == "sms" and status.on for status in runtime.channels)
    if settings.twilio_verify_service_sid:
        way = "by Twilio Verify"
    elif sms:
        way = "texted by the SMS channel"
    else:
        return "off (no SMS channel, no TWILIO_VERIFY_SERVICE_SID)"
    budget = runtime.config.linking.policy(home=settings.twilio_from_number).budget
    if not budget.countries:
        return f"{way}, to no country yet: set linking.code_countries in bot.yaml"
    where = ", ".join(
        country if cap is None else f"{country} ({cap} an hour)"
        for country, cap in sorted(budget.countries.items())
    )
    return f"{way} to {where}; {budget.per_hour} an hour, {budget.per_source} per client"


def events(runtime: Runtime, base_url: str) -> str:
    """Whether the store can send business events, and where (see docs/outreach.md)."""
    if runtime.settings.events_secret is None:
        return "off (set OMNIBOT_EVENTS_SECRET to take signed events at POST /events)"
    kinds = ", ".join(runtime.config.outreach.create_customers) or "none"
    return f"{base_url}/events (new customers by: {kinds})"
