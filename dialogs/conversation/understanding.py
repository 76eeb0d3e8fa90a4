"""What a customer's message means: its language, the flow or FAQ it asks for, a global intent."""

from __future__ import annotations

import difflib

from bot.format.messages import InboundEvent
from dialogs.conversation.voice import Voice
from dialogs.conversation.working import Working
from dialogs.design.defaults import FUNCTION_WORDS
from dialogs.design.flowset import FlowSet
from dialogs.design.loader import language_names
from dialogs.nlu.languages import detect
from dialogs.nlu.matching import Match, normalise

_LANGUAGES = language_names()


class Understanding:
    """Reads messages against the bot's triggers and languages; settles the customer's
    language as it goes."""

    def __init__(self, flowset: FlowSet, working: Working, voice: Voice) -> None:
        self.flowset = flowset
        self.working = working
        self.voice = voice

    def choose_language(self, item: InboundEvent) -> None:
        """Detected until sure, then kept: the channel's hint or a confident reading of the text
        settles it; until then the bot's default is used. Naming a language always wins."""
        working, languages = self.working, self.flowset.languages
        if working.language_sure and working.language in languages:
            return
        hint = (item.locale or "").split("-")[0].lower()
        detected = detect(item.text or "", languages) if item.text else None
        chosen = hint if hint in languages else detected
        if chosen is not None:
            working.language, working.language_sure = chosen, True
        elif working.language not in languages:
            working.language = self.flowset.default_language

    def switch_language(self, text: str) -> bool:
        """A message that only names one of the bot's languages switches to it."""
        code = _LANGUAGES.get(normalise(text)) if text and len(text) < 40 else None
        if code is None or code not in self.flowset.languages:
            return False
        self.working.language, self.working.language_sure = code, True
        self.voice.say(self.flowset.messages["language_set"])
        return True

    def match(self, text: str) -> Match | None:
        """A flow or FAQ the text triggers, in the customer's language first; a phrase of
        another of the bot's languages also counts, and the conversation follows it there."""
        if not text:
            return None
        working, matcher = self.working, self.flowset.matcher
        match = matcher.match(text, working.language)
        if match is not None:
            return match
        match = matcher.match(text, None)
        spoken = match.language.split("-")[0] if match and match.language else None
        if spoken is None or spoken == working.language:
            return match
        settled = working.language_sure and detect(text, self.flowset.languages) != spoken
        if spoken in self.flowset.languages and not settled:
            working.language, working.language_sure = spoken, True
            return match
        return None  # once settled, one word shared with another language changes nothing

    def intent(self, text: str) -> str | None:
        """A global intent, only when the message is essentially that intent: most of its
        words are the intent's own ("cancel please"), not a sentence that mentions it ("can I
        cancel my order?", which is a flow's business)."""
        if not text:
            return None
        flowset, language = self.flowset, self.working.language
        match = flowset.intent_matcher.match(text, language)
        if match is None:
            match = flowset.intent_matcher.match(text, None)
        if match is None:
            return None
        vocabulary = flowset.intent_words.get(match.target, frozenset())
        if match.how == "example" and not _mostly(text, vocabulary):
            return None  # a designer's own keywords and patterns are taken at their word
        topic = flowset.matcher.match(text, language)
        if topic is not None and topic.score >= match.score:
            return None  # a flow or FAQ that fits at least as well is what the customer means
        return match.target.removeprefix("intent:")


def _mostly(text: str, vocabulary: frozenset[str], share: float = 0.5) -> bool:
    """Whether more than ``share`` of the words of ``text`` that carry meaning are (nearly) in
    ``vocabulary``; function words ("what", "do", "you") only count when there is nothing else.
    "cancel it" is all cancel; "reset my password" and "can I cancel my order?" are not."""
    every = normalise(text).split()
    words = [word for word in every if word not in FUNCTION_WORDS] or every
    if not words:
        return False
    known = list(vocabulary)
    hits = sum(
        1 for word in words if word in vocabulary or difflib.get_close_matches(word, known, 1, 0.8)
    )
    return hits / len(words) > share
