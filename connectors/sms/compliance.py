"""The SMS compliance keywords (STOP, START, HELP and their kin) and what answers them.

Carriers expect a number to stop texting whoever replies STOP, to confirm it once, to start
again on START and to answer HELP. A keyword counts only when it is the whole message (any case,
surrounding spaces and a final ``.`` or ``!`` aside), as Twilio and the carriers match them:
"stop sending me the catalogue" is an ordinary message.

Choices that are not obvious, and why:

- English: Twilio's and the carriers' list (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
  REVOKE, OPTOUT). CANCEL is also an everyday word in flows ("cancel" leaves a topic), but on a
  US or Canadian number Twilio blocks the number on CANCEL whatever the bot does, so the bot
  must agree with it.
- Portuguese: PARAR, SAIR and DESCADASTRAR opt out. CANCELAR does not: no carrier treats it as
  a keyword, and a customer typing it in the middle of an exchange means "cancel this", which
  the flows already understand; opting them out of the whole channel would lose them.
- Opting back in: START, UNSTOP and INICIAR. YES is left out although Twilio's default list has
  it: "yes" answers questions all day long, and a start command restarts the conversation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.format.messages import CommandName

KeywordAction = Literal["stop", "start", "help"]
TextPerLanguage = str | Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Keyword:
    """A compliance keyword: the command it stands for, and the language it was said in."""

    action: KeywordAction
    language: str

    @property
    def command(self) -> CommandName:
        """The core's command for it."""
        return self.action


_WORDS: dict[KeywordAction, dict[str, tuple[str, ...]]] = {
    "stop": {
        "en": (
            *("STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"),
            *("REVOKE", "OPTOUT", "OPT OUT"),
        ),
        "pt": ("PARAR", "SAIR", "DESCADASTRAR"),
    },
    "start": {"en": ("START", "UNSTOP"), "pt": ("INICIAR",)},
    "help": {"en": ("HELP", "INFO"), "pt": ("AJUDA",)},
}
KEYWORDS: dict[str, Keyword] = {
    word: Keyword(action, language)
    for action, languages in _WORDS.items()
    for language, words in languages.items()
    for word in words
}
"""Every keyword, upper case and without accents, as :func:`keyword` compares them."""

_SPACES = re.compile(r"\s+")


def keyword(body: str) -> Keyword | None:
    """The keyword ``body`` is, if the whole of it is one."""
    decomposed = unicodedata.normalize("NFKD", body)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    key = _SPACES.sub(" ", bare).strip().rstrip(".!").strip().upper()
    return KEYWORDS.get(key)


DEFAULT_TEXTS: dict[KeywordAction, dict[str, str]] = {
    "stop": {
        "en": "{bot}: you are unsubscribed and will get no more messages. Reply START to "
        "subscribe again.",
        "pt": "{bot}: você não receberá mais mensagens. Para voltar, responda INICIAR.",
    },
    "start": {
        "en": "{bot}: you are subscribed again. Reply HELP for help, STOP to unsubscribe.",
        "pt": "{bot}: você voltou a receber mensagens. Responda AJUDA para ajuda ou SAIR para "
        "sair.",
    },
    "help": {
        "en": "{bot}: automated customer service by text. Reply STOP to unsubscribe. "
        "Msg & data rates may apply.",
        "pt": "{bot}: atendimento automático por SMS. Responda SAIR para não receber mais "
        "mensagens. Podem ser cobradas tarifas da operadora.",
    },
}
"""What each keyword answers unless ``channels.sms`` in ``bot.yaml`` says otherwise."""


@dataclass(frozen=True, slots=True)
class ComplianceTexts:
    """``channels.sms.stopped_text``, ``started_text`` and ``help_text``, with the defaults.

    A text given as an empty string means "send nothing": for numbers where Twilio already
    answers the keywords itself, so that the customer does not get two confirmations.
    """

    bot_name: str
    default_language: str = "en"
    stopped: TextPerLanguage | None = None
    started: TextPerLanguage | None = None
    help: TextPerLanguage | None = None

    def answer(self, word: Keyword) -> str | None:
        """The text that answers ``word``, in its language when there is one; ``None`` for
        none."""
        configured = {"stop": self.stopped, "start": self.started, "help": self.help}[word.action]
        if configured is None:
            defaults = DEFAULT_TEXTS[word.action]
            text = _pick(defaults, word.language, self.default_language) or defaults["en"]
            return text.format(bot=self.bot_name)
        if isinstance(configured, str):
            chosen: str | None = configured
        else:
            chosen = _pick(configured, word.language, self.default_language)
        return chosen.strip() if chosen and chosen.strip() else None


def _pick(texts: Mapping[str, str], language: str, fallback: str) -> str | None:
    """The text in ``language`` (or its base language), else in ``fallback``, else any."""
    for wanted in (language, language.split("-")[0], fallback, fallback.split("-")[0]):
        if wanted in texts:
            return texts[wanted]
    return next(iter(texts.values()), None)
