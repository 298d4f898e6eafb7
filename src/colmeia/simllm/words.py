"""Word handling shared by the responder, the tool picker and the schema filler.

The simulator has no model, so every "understanding" it shows comes from these few rules: split
text into words, drop the function words, compare what is left in a normalised form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_](?:[\w'.@/-]*[^\W_])?")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*[^\W\d_])")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SENTENCE_END = re.compile(r"[.!?\n]+\s*")

STOPWORDS = frozenset(
    """
    a about above after again all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further get
    give had has have having he her here hers him his how i if in into is it its itself just
    let me more most my no nor not now of off on once only or other our out over own please
    same she should show so some such tell than that the their them then there these they
    this those through to too under until up use using very was we were what when where which
    while who whom why will with would you your yours ok okay hi hello hey thanks thank
    """.split()
)


def split_words(text: str) -> list[str]:
    """Words of `text` in order, keeping their original spelling."""
    return _WORD.findall(text)


def normalise(word: str) -> str:
    """Lower-case, possessive and plural stripped: 'Cities' and 'city' still differ, 'docs' and
    'doc' do not. Good enough for overlap scoring, which only has to be stable."""
    word = word.lower().removesuffix("'s")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def keywords(text: str) -> list[str]:
    """Content words of `text`: stopwords removed, first spelling of each word kept, in order."""
    seen: set[str] = set()
    found: list[str] = []
    for word in split_words(text):
        key = normalise(word)
        if key in STOPWORDS or key in seen:
            continue
        seen.add(key)
        found.append(word)
    return found


def proper_nouns(text: str) -> list[str]:
    """Capitalised content words that do not start a sentence: likely names ('in Lisbon')."""
    found: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        for word in split_words(sentence)[1:]:
            if word[0].isupper() and normalise(word) not in STOPWORDS and word not in found:
                found.append(word)
    return found


def identifier_words(identifier: str) -> list[str]:
    """Words of a code identifier: 'get_weather' and 'getWeather' both give ['get', 'weather']."""
    spaced = _CAMEL.sub(" ", identifier).replace("_", " ").replace("-", " ")
    return [word.lower() for word in spaced.split()]


def normalised_set(words: Iterable[str]) -> set[str]:
    """The normalised forms of `words`, for overlap tests."""
    return {normalise(word) for word in words}


def numbers(text: str) -> list[float]:
    """Stand-alone numbers in `text`, in order ('2 plus 3.5' gives [2.0, 3.5]; 'gpt4' gives [])."""
    return [float(match) for match in _NUMBER.findall(text)]
