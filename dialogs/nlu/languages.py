"""Which of a bot's languages a customer's message is written in, or that it cannot tell.

Customer messages are short, casual and often without accents, which defeats statistical
detectors trained on prose. This one counts evidence a person would use: common words (articles,
pronouns, question words, greetings and the vocabulary of orders and deliveries) and spelling
cues such as "ã", "ção" and "nh" for Portuguese. It knows English, Portuguese, Spanish, French,
German and Italian; a candidate in another language is never chosen.

It answers only with a clear lead, so one word ("ok", "obrigado", "no") or a number leaves the
conversation's language unchanged rather than flipping it on a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.nlu.matching import normalise

# Evidence is counted in words: a word only one known language uses is worth 1.0, a word that k
# of them share 1/k, an unknown word what its spelling suggests. One distinctive word is not
# enough to answer, two are.
_MIN_EVIDENCE = 1.5
# The winner must also lead the runner-up by about one distinctive word.
_MIN_LEAD = 1.0


@dataclass(frozen=True, slots=True)
class _Profile:
    """What a language looks like in a short message."""

    words: frozenset[str]
    cues: tuple[tuple[re.Pattern[str], float], ...]


# Customers' phones often type the typographic apostrophe (U+2019) instead of "'".
_APOSTROPHE = "['\u2019]"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _cues(*pairs: tuple[str, float]) -> tuple[tuple[re.Pattern[str], float], ...]:
    return tuple((re.compile(pattern), weight) for pattern, weight in pairs)


# Words are listed as normalise() leaves them: lowercase, no accents. Loanwords that customers
# of every language use ("ok", "delivery", "email", "site") are left out on purpose.
_PROFILES: dict[str, _Profile] = {
    "en": _Profile(
        _words(
            """
            the a an and or but is are was were be been am i you he she it we they me my mine
            your our their his her this that these those what where when why how who which
            can could would should will do does did not no yes to of in on at for with from by
            about have has had want need like get got please thanks thank hello hi hey order
            orders return refund know there here just still yet now today tomorrow yesterday
            some any all out up if so than then too also much many more arrived arrive track
            tracking cancel change address account pay card item package shipping
            morning afternoon evening good well sorry dont cant wont isnt didnt im ive
            """
        ),
        _cues(
            (r"\bwh", 0.5),
            (r"th", 0.5),
            (r"ing\b", 0.5),
            (rf"\w{_APOSTROPHE}(?:s|t|m|re|ll|ve|d)\b", 0.5),
        ),
    ),
    "pt": _Profile(
        _words(
            """
            o a os as um uma uns umas e ou mas de do da dos das no na nos nas ao aos em por
            para pra pro com sem que eu tu ele ela nos voce voces vc vcs meu minha meus minhas
            seu sua seus suas isso esse essa este esta aqui ali onde quando como qual quais
            quanto quanta porque pq sim nao oi ola obrigado obrigada valeu tudo bem bom
            boa dia tarde noite quero queria gostaria preciso pode posso poderia podem tem tenho
            temos estou esta estao ser foi vai vou fazer faz saber ver ja ainda tambem tb tbm
            muito mais menos hoje amanha ontem agora chegou chega pedido pedidos produto
            produtos compra comprei entrega encomenda troca trocar devolver devolucao
            pagamento pagar frete boleto cartao ajuda atendente endereco cade td blz obg q
            """
        ),
        _cues(
            (r"[ãõ]", 1.0),
            (r"ç", 0.5),
            (r"(?:ção|ções|cao|coes)\b", 0.5),
            (r"nh", 0.5),
            (r"lh", 0.5),
        ),
    ),
    "es": _Profile(
        _words(
            """
            a el la los las un una unos unas y o de del en que por para con sin mi mis tu su sus
            es esta estoy estan donde cuando como cual cuanto porque pero si no hola gracias
            quiero quisiera necesito puedo puede pueden tengo tiene hay pedido producto compra
            envio entrega devolver cambiar ayuda buenos buenas dias tardes noches bien muy mas
            ya todavia hoy manana ayer usted ustedes yo aqui eso este esto favor cuenta pago
            tarjeta dinero reembolso llego llega todo nada algo le lo se al tambien ahora
            """
        ),
        _cues((r"ñ", 1.0), (r"[¿¡]", 1.0), (r"(?:ción|cion)\b", 0.5)),
    ),
    "fr": _Profile(
        _words(
            """
            le la les un une des du de et ou est sont je j tu il elle nous vous ils elles mon
            ma mes ton ta tes votre vos son sa ses ce cette ces que qu qui quoi quand comment
            pourquoi combien avec sans pour par dans sur pas ne oui non bonjour bonsoir salut
            merci commande colis livraison retour rembourser remboursement aide besoin veux
            voudrais peux pouvez suis ai avez au aux tres bien encore toujours plus tout rien
            aujourd hui demain hier adresse paiement carte
            """
        ),
        _cues(
            (r"[œëïîûÿ]", 1.0),
            (r"ç", 0.5),
            (r"(?:eau|eux)\b", 0.5),
            (rf"\b(?:l|d|j|qu|c|n|s|m|t){_APOSTROPHE}\w", 0.5),
        ),
    ),
    "de": _Profile(
        _words(
            """
            der die das den dem des ein eine einen und oder ist sind war ich du er sie es wir
            ihr mein meine meinen dein ihre unser nicht kein keine ja nein mit von zu fur auf
            aus bei nach wo wann wie warum was wer welche hallo danke bitte guten tag morgen
            bestellung paket lieferung rucksendung zuruck geld hilfe mochte will kann konnen
            habe hat haben noch schon heute gestern jetzt auch nur sehr gut
            """
        ),
        _cues((r"[ßäöü]", 1.0), (r"sch", 0.5), (r"(?:ung|keit|heit)\b", 0.5)),
    ),
    "it": _Profile(
        _words(
            """
            a il lo la i gli le un uno una e o di del della dei da in con su per tra fra che chi
            cosa come dove quando perche quanto non si no io tu lui lei noi voi loro mio mia
            miei tuo suo sono sei siamo ho hai ha abbiamo ciao buongiorno buonasera grazie
            prego ordine pacco spedizione consegna reso rimborso aiuto voglio vorrei posso
            puoi potete ancora gia oggi domani ieri adesso anche molto piu bene questo questa
            quello al alla nel nella sul mi ti ci vi
            """
        ),
        _cues(
            (r"[òì]", 1.0),
            (r"è", 0.5),
            (r"zion[ei]\b", 0.5),
            (r"\bgli\b", 0.5),
            (rf"\b(?:l|dell|nell|un|c){_APOSTROPHE}\w", 0.5),
        ),
    ),
}

# Apostrophes stay inside a token so that "hasn't" and "l'adresse" keep their cues.
_TOKEN = re.compile(rf"[^\W_]+(?:{_APOSTROPHE}[^\W_]+)*")

# How many known languages use each word: shared words are weaker evidence.
_SHARED_BY: Counter[str] = Counter(word for profile in _PROFILES.values() for word in profile.words)


def detect(text: str, candidates: Sequence[str]) -> str | None:
    """The candidate ``text`` is written in, or ``None`` when the evidence is not clear.

    Candidates are language tags and may carry a region (``pt-BR``): they are compared on the
    base language and returned as given. When several share a base, the first listed wins.
    """
    bases = {candidate: _base(candidate) for candidate in candidates}
    # Composed form, so that an "ã" typed as "a" plus a combining tilde still reads as "ã".
    tokens = _TOKEN.findall(unicodedata.normalize("NFC", text).casefold())
    scores = {base: _evidence(base, tokens) for base in set(bases.values())}
    winner = _clear_winner(scores)
    if winner is None:
        return None
    return next(candidate for candidate, base in bases.items() if base == winner)


def _base(tag: str) -> str:
    """The language part of a tag: ``pt`` for ``pt-BR`` or ``PT_br``."""
    return tag.strip().lower().replace("_", "-").split("-", 1)[0]


def _evidence(base: str, tokens: Sequence[str]) -> float:
    """How much the casefolded ``tokens`` look like ``base``; 0 for a language without a
    profile."""
    profile = _PROFILES.get(base)
    if profile is None:
        return 0.0
    return sum(_token_evidence(profile, token) for token in tokens)


def _token_evidence(profile: _Profile, token: str) -> float:
    """What one token says for ``profile``: as a known word or by its spelling, whichever says
    more. Counting both would make "thanks" or "não" alone look like two words of evidence."""
    words = sum(
        1.0 / _SHARED_BY[word] for word in normalise(token).split() if word in profile.words
    )
    spelling = sum(weight * len(pattern.findall(token)) for pattern, weight in profile.cues)
    return max(words, spelling)


def _clear_winner(scores: dict[str, float]) -> str | None:
    """The best-scoring language if it has enough evidence and a clear lead, else ``None``."""
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked:
        return None
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score >= _MIN_EVIDENCE and best_score - runner_up >= _MIN_LEAD:
        return best
    return None
