"""A customer asking for a language: "português", "in English please", "pode falar português?",
"can we speak english?".

Such a message is a language's name wrapped in the words people ask with (please, can we speak,
em, por favor). Only the asking words may surround the name, so "I'd like an English muffin" or
"my order came in portuguese" ask for nothing: they are a flow's business.
"""

from __future__ import annotations

from functools import lru_cache

from dialogs.design.defaults import LANGUAGE_NAMES
from dialogs.nlu.matching import normalise

_MAX_WORDS = 8

# Words that ask for a language, as normalise() leaves them (lowercase, no accents).
_ASKING_WORDS = """
please pls plz can could would will we you i us do does speak talk write answer reply chat
continue switch change go lets let to in the language only instead now again and ok okay
thanks sorry hi hello
por favor pf pfv pode poderia podemos voce vc voces a gente eu quero queria prefiro fala
falar falo fale conversar escrever escreve responder responde responda continuar mudar trocar
para pra em no na o idioma lingua so agora vamos de novo e ok obrigado obrigada oi ola
"""
_ASKING = frozenset(_ASKING_WORDS.split())

_NAMES: dict[str, str] = {
    normalise(name): code for code, names in LANGUAGE_NAMES.items() for name in names
}


@lru_cache(maxsize=1024)
def requested_language(text: str) -> str | None:
    """The language tag ``text`` asks to be spoken to in, or ``None`` when it asks for none (or
    names more than one). Remembered for the last texts, as the matcher's answers are: every
    typed message is asked this first."""
    words = normalise(text).split()
    if not words or len(words) > _MAX_WORDS:
        return None
    named = {_NAMES[word] for word in words if word in _NAMES}
    others = [word for word in words if word not in _NAMES and word not in _ASKING]
    return named.pop() if len(named) == 1 and not others else None
