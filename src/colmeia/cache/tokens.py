"""Reading a question into tokens the verifier can compare: kind, canonical value, entity flag.

The analysis keeps what carries meaning — numbers (digits, number words, ordinals, quarters),
polarity, comparison, time and unit words, role-marking prepositions with their objects, named
entities — and marks function words so they are aligned structurally rather than by value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from colmeia.cache import lexicon as lx

_TOKEN = re.compile(r"[^\W_]+(?:[-.:'’][^\W_]+)*|[$€£%]", re.UNICODE)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th|o|a)$")
_CLOCK = re.compile(r"^(\d+)(am|pm|h|k|m|x)$")
_QUARTER = re.compile(r"^q([1-4])$")
_CODE = re.compile(r"^([a-z]{1,3})(\d+)$")
_NUMERONYM = re.compile(r"^[a-z]\d{1,2}[a-z]$")
_PT_MARKERS = frozenset(
    "que qual quais como nao para de do da dos das em os um uma quantos quantas quem meu "
    "minha com no na por foi tem sao esta voce ultimo mais quanto quanta gente semana "
    "vc pode posso onde quando ele ela eles nos isso esse essa".split()
)
_EN_MARKERS = frozenset(
    "the what which how is are do does did of to in for my who can i you on with and "
    "was were our we".split()
)


class Kind(StrEnum):
    number = "number"
    protected = "protected"
    preposition = "preposition"
    function = "function"
    content = "content"


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    """Canonical form: the number, the canonical protected word, or the stem."""
    surface: str
    """Folded as written (lower-case, no accents), for typo and abbreviation checks."""
    kind: Kind
    entity: bool = False
    parts: tuple[str, ...] = ()
    """Folded parts of a hyphenated compound (for initials: year-over-year → YoY)."""


@dataclass(frozen=True, slots=True)
class Analysis:
    text: str
    lang: str
    tokens: tuple[Token, ...]
    numbers: tuple[str, ...] = field(default=())
    object_question: bool | None = None
    """For who/what/which questions: does the wh-word stand for the object (do-support)?"""
    asks_for: str | None = None
    """The class of the opening wh-word (person, time, place …), if the question opens so."""
    pronoun_roles: frozenset[tuple[str, str]] = frozenset()
    """(person, subject|object) of each English personal pronoun: "we owe" vs "owe us"."""


def fold(text: str) -> str:
    """Lower-case without accents: the form every comparison uses."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str, lang: str) -> str:
    """A light suffix stripper: enough to equate plurals and tenses, not to merge derivations."""
    if lang == "pt":
        word = word[:-1] if len(word) > 3 and word.endswith("s") else word
        return word[:-1] if len(word) > 3 and word[-1] in "aeo" else word
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    elif len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses", "zes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def detect_language(words: list[str]) -> str:
    """``pt`` or ``en`` by function-word votes; Portuguese-only letters decide ties."""
    pt = sum(w in _PT_MARKERS for w in words)
    en = sum(w in _EN_MARKERS for w in words)
    return "pt" if pt > en else "en"


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _number_tokens(folded: str, lang: str) -> list[Token] | None:
    """The token as numbers (plus its unit or code), or None when it holds no number."""
    if _NUMBER.match(folded):
        return [Token(_format_number(float(folded)), folded, Kind.number)]
    if match := _ORDINAL.match(folded):
        return [Token(match.group(1), folded, Kind.number)]
    if match := _QUARTER.match(folded):
        return [Token(match.group(1), folded, Kind.number), _protected("quarter")]
    if (match := _CODE.match(folded)) and not _QUARTER.match(folded):
        # "P1", "X200": the number, and the letters as a name that may abbreviate a word
        letters = match.group(1)
        return [
            Token(match.group(2), folded, Kind.number),
            Token(letters, letters, Kind.content, True),
        ]
    if match := _CLOCK.match(folded):
        return [Token(match.group(1), folded, Kind.number), _protected(match.group(2))]
    if folded in lx.NUMBER_WORDS and (lang == "pt") == (folded in _PT_NUMBER_WORDS):
        return [Token(_format_number(lx.NUMBER_WORDS[folded]), folded, Kind.number)]
    return None


_PT_NUMBER_WORDS = frozenset(
    "dois duas tres quatro cinco seis sete oito nove dez cem mil "
    "primeiro segundo terceiro quarto quinto".split()
)


def _protected(word: str) -> Token:
    canonical = lx.CANONICAL.get(word, word)
    return Token(canonical, word, Kind.protected)


def _raw_words(text: str) -> Iterator[tuple[str, bool]]:
    """(word, capitalised-as-a-name) pairs; possessives and negated auxiliaries split off."""
    text = _THOUSANDS.sub("", text.replace("’", "'"))
    for index, match in enumerate(_TOKEN.finditer(text)):
        raw = match.group(0)
        if raw.lower().endswith(("'s", "'d", "'m")):
            raw = raw[:-2]  # possessive, or a contracted auxiliary (I'd, I'm)
        elif raw.lower().endswith(("'ve", "'ll", "'re")):
            raw = raw[:-3]
        raw = raw.replace("'", "")
        name = any(c.isupper() for c in raw[1:]) or (index > 0 and raw[:1].isupper())
        name = name or any(c.isdigit() for c in raw) and any(c.isalpha() for c in raw)
        yield raw, name


def _word_kind(word: str, lang: str, previous: str | None, following: str | None) -> Kind:
    if word == "may" and lang == "en":
        is_month = previous in lx.PREPOSITIONS or (previous or "").isdigit()
        return Kind.protected if is_month or (following or "").isdigit() else Kind.function
    if lang == "pt" and word in lx.PT_CONTRACTIONS:
        return Kind.preposition
    if word in lx.PROTECTED or word in lx.CANONICAL or stem(word, lang) in lx.PROTECTED:
        return Kind.protected
    if word in lx.PREPOSITIONS and (lang == "pt" or word not in ("de", "em", "para", "com")):
        return Kind.preposition
    if word in lx.FUNCTION_WORDS or word in lx.DISCOURSE:
        return Kind.function
    return Kind.content


def _compound(word: str, lang: str, name: bool) -> list[Token]:
    """A hyphenated word: its numbers, then itself unless it was only numbers and glue."""
    parts = tuple(p for p in re.split(r"[-.:]", word) if p)
    numbers = [t for p in parts for t in (_number_tokens(p, lang) or []) if t.kind is Kind.number]
    rest = [p for p in parts if _number_tokens(p, lang) is None]
    glue = lx.PREPOSITIONS | lx.FUNCTION_WORDS
    if numbers and all(p in glue for p in rest):
        return numbers
    joined = "".join(parts)
    if any(p in lx.PROTECTED for p in parts):  # segunda-feira, year-end
        return [*numbers, Token(joined, joined, Kind.protected)]
    return [
        *numbers,
        Token(joined, joined, Kind.content, entity=name or bool(numbers), parts=parts),
    ]


def _tokens_of(
    word: str, lang: str, name: bool, neighbours: tuple[str | None, str | None]
) -> list[Token]:
    if word in lx.NEGATED_AUXILIARIES:
        return [Token(lx.NEGATED_AUXILIARIES[word], word, Kind.function), _protected("not")]
    if word == "a" and lang == "pt":
        return [Token("a", word, Kind.function)]
    numbers = _number_tokens(word, lang)
    if numbers is not None:
        return numbers
    if re.search(r"[-.:]", word) and not _NUMBER.match(word):
        return _compound(word, lang, name)
    if _NUMERONYM.match(word):
        return [Token(word, word, Kind.content, entity=True)]
    kind = _word_kind(word, lang, *neighbours)
    if kind is Kind.protected:
        return [_protected(word)]
    if kind is Kind.preposition:
        return [Token(lx.PT_CONTRACTIONS.get(word, word) if lang == "pt" else word, word, kind)]
    if kind is Kind.function:
        return [Token(word, word, kind)]
    digits = any(c.isdigit() for c in word)
    extra = [Token(n, n, Kind.number) for n in re.findall(r"\d+", word)] if digits else []
    return [*extra, Token(stem(word, lang), word, Kind.content, entity=name)]


def analyse(text: str) -> Analysis:
    """Tokens, language, numbers and question shape of one user message."""
    raw = list(_raw_words(text))
    words = [fold(w) for w, _ in raw]
    lang = detect_language(words)
    tokens: list[Token] = []
    for index, (original, name) in enumerate(raw):
        word = words[index]
        if _is_request_frame(words, index):
            tokens.append(Token(word, word, Kind.function))
            continue
        if original.lower() == "aí" and lang == "pt":  # "e aí": a greeting
            continue
        if original.lower() == "à":
            tokens.append(Token("a", word, Kind.preposition))
            continue
        previous = words[index - 1] if index else None
        following = words[index + 1] if index + 1 < len(words) else None
        tokens.extend(_tokens_of(word, lang, name, (previous, following)))
    numbers = tuple(sorted(t.value for t in tokens if t.kind is Kind.number))
    roles = frozenset(_PRONOUN_ROLES[w] for w in words if w in _PRONOUN_ROLES and lang == "en")
    asks_for = lx.WH_CLASSES.get(words[0]) if words else None
    return Analysis(text, lang, tuple(tokens), numbers, _object_question(words), asks_for, roles)


_PRONOUN_ROLES = {
    "i": ("1s", "subject"), "me": ("1s", "object"), "we": ("1p", "subject"),
    "us": ("1p", "object"), "he": ("3m", "subject"), "him": ("3m", "object"),
    "they": ("3p", "subject"), "them": ("3p", "object"),
}  # fmt: skip


def _is_request_frame(words: list[str], index: int) -> bool:
    """A speech-act verb that only frames the question: "could you tell me", "kindly advise
    which", "may I ask when", "poderia me informar"."""
    if words[index] not in lx.SPEECH_ACT_VERBS:
        return False
    following = words[index + 1] if index + 1 < len(words) else ""
    if following in ("me", *lx.WH_WORDS):
        return True
    preceding = words[:index]
    return all(w in lx.FRAME_WORDS or w in lx.DISCOURSE for w in preceding)


def _object_question(words: list[str]) -> bool | None:
    """Who/what/which + do-support + a subject ("who did Daniel mentor") asks for the object;
    without do-support ("who mentored Daniel") the wh-word is the subject."""
    if not words or words[0] not in lx.OBJECT_WH:
        return None
    for index, word in enumerate(words[1:], start=1):
        if word in lx.DO_SUPPORT:
            following = words[index + 1] if index + 1 < len(words) else ""
            return following not in lx.NEGATIONS
        if word in lx.NEGATED_AUXILIARIES:
            return False
    return False
