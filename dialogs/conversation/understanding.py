"""What a customer's message means: its language, the flow or FAQ it asks for, a global intent."""

from __future__ import annotations

import difflib

from bot.format.language_tags import base, closest
from bot.format.messages import InboundEvent
from dialogs.conversation.voice import Voice
from dialogs.conversation.working import Working
from dialogs.design.defaults import FUNCTION_WORDS
from dialogs.design.flowset import FlowSet
from dialogs.nlu.explanation import Stage, Understood
from dialogs.nlu.language_requests import requested_language
from dialogs.nlu.languages import detect
from dialogs.nlu.matching import Decision, Match, normalise


class Understanding:
    """Reads messages against the bot's triggers and languages; settles the customer's
    language as it goes. Without a ``voice`` (``omnibot evaluate``) it reads and says nothing.
    """

    def __init__(self, flowset: FlowSet, working: Working, voice: Voice | None = None) -> None:
        self.flowset = flowset
        self.working = working
        self.voice = voice

    def choose_language(self, item: InboundEvent) -> None:
        """Detected until sure, then kept: the channel's hint or a confident reading of the text
        settles it; until then the bot's default is used. Naming a language always wins."""
        working, languages = self.working, self.flowset.languages
        kept = closest(working.language, languages) if working.language_sure else None
        if kept is not None:
            working.language = kept  # a record from when the bot spoke `pt` serves `pt-BR`
            return
        hint = closest(item.locale, languages) if item.locale else None
        detected = detect(item.text or "", languages) if item.text else None
        chosen = hint or detected
        if chosen is not None:
            working.language, working.language_sure = chosen, True
        elif working.language not in languages:
            working.language = self.flowset.default_language

    def switch_language(self, text: str) -> bool:
        """A message that asks for one of the bot's languages ("em português", "can we speak
        english?") switches to it, and starts nothing else."""
        code = requested_language(text) if text else None
        language = closest(code, self.flowset.languages) if code else None
        if language is None:
            return False
        self.working.language, self.working.language_sure = language, True
        if self.voice is not None:
            self.voice.say(self.flowset.messages["language_set"])
        return True

    def match(self, text: str, margin: float = 0.0) -> Match | None:
        """A flow or FAQ the text triggers, in the customer's language first; a phrase of
        another of the bot's languages also counts, and the conversation follows it there.
        A match must score ``margin`` over the threshold to count (leaving a question needs
        a clearer signal)."""
        if not text:
            return None
        working, matcher = self.working, self.flowset.matcher
        decision = matcher.decide(text, working.language)
        taken = decision.chosen
        if taken is None:
            decision = matcher.decide(text, None)
            taken = self._followed(text, decision.chosen)
        if taken is not None and taken.score < decision.threshold + margin:
            taken = None
        return self._told("topic", decision, taken)

    def _followed(self, text: str, match: Match | None) -> Match | None:
        """``match`` if the conversation follows it into its language, else ``None``."""
        working = self.working
        if match is None or match.language is None:
            return match
        languages = self.flowset.languages
        spoken = closest(match.language, languages)
        if spoken is None:
            return None  # a phrase in a language the bot does not speak
        if spoken == working.language or (
            working.language_sure and base(spoken) == base(working.language)
        ):
            return match  # another region's phrase: the customer's own region stays
        settled = working.language_sure and detect(text, languages) != spoken
        if not settled:
            working.language, working.language_sure = spoken, True
            return match
        return None  # once settled, one word shared with another language changes nothing

    def _told(self, stage: Stage, decision: Decision, taken: Match | None) -> Match | None:
        """``taken``, after telling the designer's tools about it when they listen."""
        if self.flowset.explain is not None:
            self.flowset.explain(Understood(stage, decision, taken))
        return taken

    def intent(self, text: str) -> str | None:
        """A global intent, only when the message is essentially that intent: most of its
        words are the intent's own ("cancel please"), not a sentence that mentions it ("can I
        cancel my order?", which is a flow's business)."""
        if not text:
            return None
        flowset, language = self.flowset, self.working.language
        decision = flowset.intent_matcher.decide(text, language)
        if decision.chosen is None:
            decision = flowset.intent_matcher.decide(text, None)
        match = decision.chosen
        if match is None:
            return None
        vocabulary = flowset.intent_words.get(match.target, frozenset())
        if match.how == "example" and not _mostly(text, vocabulary):
            return None  # a designer's own keywords and patterns are taken at their word
        topic = flowset.matcher.match(text, language)
        if topic is not None and topic.score >= match.score:
            return None  # a flow or FAQ that fits at least as well is what the customer means
        self._told("intent", decision, match)
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
