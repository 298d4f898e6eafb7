"""Accept a semantic candidate only when the meaning-bearing parts of the two questions agree.

Embedding similarity cannot tell "revenue in March" from "revenue in May" (plain MiniLM ranks such
minimal edits above true paraphrases), so a candidate found by the vector index is served only if
an alignment of the two questions leaves nothing unexplained:

1. Same language, the same multiset of numbers (digits, number words, ordinals, quarters), and
   the same question shape (who *did X* mentor vs who mentored X).
2. Every content, polarity, comparison, time, unit and quantifier word on each side is matched by
   one on the other: same canonical form or stem; an abbreviation (initials, numeronym, prefix);
   a misspelling (small edit distance, and one of the two is not a known word); or, for plain
   lower-case content words only, a substitution by a word of similar meaning (`Similarity`).
   A word with a negating prefix of its counterpart (lock/unlock) never matches. Anything left
   over — an added modifier, a swapped entity or unit, a dropped negation — rejects.
3. Prepositions keep their objects: the multiset of (preposition, object) pairs must agree, which
   catches direction swaps (from X to Y vs from Y to X) and re-attached phrases.

Design notes: the rules come from what makes two questions ask the same thing, not from the
labelled pairs; a substitution by similarity is the only learned part and is refused for names,
numbers and every closed class, where embeddings are known to be blind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from colmeia.cache import lexicon as lx
from colmeia.cache.tokens import Analysis, Kind, Token

Similarity = Callable[[str, str], float]
"""Meaning similarity of two single words (cosine of their sentence embeddings)."""

_ALIGNED = (Kind.content, Kind.protected)
_LONG_FUNCTION_WORDS = tuple(w for w in lx.FUNCTION_WORDS if len(w) >= 3)
_GLUE_BEFORE_NUMBERS = frozenset(("of", "de"))
_SPECIFIC_ANSWERS = frozenset(("person", "owner", "time", "place", "reason"))
"""Who, whose, when, where and why ask for different things; what, which, how and how much
often ask for the same one in other words ("how many staff" = "what is the headcount")."""


@dataclass(frozen=True, slots=True)
class Verdict:
    accepted: bool
    reason: str


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (transpositions count once), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(c in letters for c in short)


_OPPOSITES = frozenset(lx.OPPOSITES)


def negates(a: str, b: str) -> bool:
    """Opposites: a known pair, one word is the other with a negating prefix, or they swap
    opposite prefixes (encrypt/decrypt)."""
    if frozenset((a, b)) in _OPPOSITES:
        return True
    for x, y in ((a, b), (b, a)):
        if any(x == p + y for p in lx.NEGATING_PREFIXES) and len(y) >= 3:
            return True
        for p, q in lx.SWAPPED_PREFIXES:
            if x.startswith(p) and y.startswith(q) and x[len(p) :] == y[len(q) :]:
                return True
    return False


class Verifier:
    """Decides whether a cached question may answer a new one (see the module docstring)."""

    def __init__(
        self,
        similarity: Similarity,
        known_words: frozenset[str],
        threshold: float = 0.7,
        context_threshold: float = 0.85,
        context_word_floor: float = 0.2,
    ) -> None:
        self._similarity = similarity
        self._known = known_words
        self._threshold = threshold
        self._context_threshold = context_threshold
        self._context_word_floor = context_word_floor

    def verify(self, cached: Analysis, query: Analysis, cosine: float) -> Verdict:
        """Accept when nothing meaning-bearing differs; the reason names the first difference.

        ``cosine`` is the similarity of the two questions' embeddings (from the vector index).
        """
        if cached.lang != query.lang:
            return Verdict(False, "language differs")
        if cached.numbers != query.numbers:
            return Verdict(False, "numbers differ")
        if None not in (cached.object_question, query.object_question) and (
            cached.object_question != query.object_question
        ):
            return Verdict(False, "question asks for the other role")
        if {cached.asks_for, query.asks_for} <= _SPECIFIC_ANSWERS and (
            cached.asks_for != query.asks_for
        ):
            return Verdict(False, "asks for a different kind of answer")
        if _roles_swap(cached, query):
            return Verdict(False, "a pronoun changed role (subject/object)")
        alignment = _Alignment(cached.tokens, query.tokens)
        reason = self._align(alignment, cosine)
        if reason is not None:
            return Verdict(False, reason)
        if alignment.role_pairs(0) != alignment.role_pairs(1):
            return Verdict(False, "prepositions attach to different words")
        return Verdict(True, "aligned")

    def _align(self, alignment: _Alignment, cosine: float) -> str | None:
        alignment.match(lambda a, b: a.value == b.value)
        alignment.match_abbreviations()
        alignment.match(self._abbreviates)
        alignment.match(self._misspells)
        alignment.drop(self._misspells_function_word)
        left, right = alignment.leftovers()
        for a in left:
            for b in right:
                if negates(a.surface, b.surface):
                    return f"opposite words: {a.surface} / {b.surface}"
        alignment.match(self._substitutes, best_first=self._similarity_of)
        left, right = alignment.leftovers()
        if len(left) == len(right) == 1 and self._swaps_in_context(left[0], right[0], cosine):
            alignment.match(lambda a, b: True)
            return None
        if left or right:
            words = ", ".join(t.surface for t in [*left, *right])
            return f"unmatched: {words}"
        return None

    def _abbreviates(self, a: Token, b: Token) -> bool:
        short_token, long_token = sorted((a, b), key=lambda t: len(t.surface))
        short, long = short_token.surface, long_token.surface
        if short_token.kind is Kind.protected:
            # max/maximum: only a clipped form of a word of the same closed class
            return long_token.kind is Kind.protected and len(short) >= 3 and long.startswith(short)
        if len(short) == 1 and short_token.entity:  # the letter of a code: P1 = priority 1
            return long.startswith(short) and long_token.kind is Kind.content
        if short[:1] != long[:1] or not 2 <= len(short) <= 5 or len(long) < len(short) + 2:
            return False
        if short[1:-1].isdigit():  # numeronym: k8s = k + 8 letters + s
            return long[-1] == short[-1] and len(long) - 2 == int(short[1:-1])
        return short.isalpha() and _is_subsequence(short, long)

    def _misspells(self, a: Token, b: Token) -> bool:
        if a.kind is Kind.protected and b.kind is Kind.protected:
            return False
        x, y = a.surface, b.surface
        if min(len(x), len(y)) < 4 or (x in self._known and y in self._known):
            return False
        limit = 2 if min(len(x), len(y)) >= 8 else 1
        return _edit_distance(x, y, limit) <= limit

    def _misspells_function_word(self, token: Token) -> bool:
        """A non-word one edit away from a function word ("whihc", "whats") is that word."""
        word = token.surface
        if token.kind is not Kind.content or len(word) < 4 or word in self._known:
            return False
        return any(_edit_distance(word, f, 1) <= 1 for f in _LONG_FUNCTION_WORDS)

    def _swaps_in_context(self, a: Token, b: Token, cosine: float) -> bool:
        """One plain word for another in otherwise identical questions whose embeddings stay
        close: the context vouches for the pair even when the lone words are far apart
        (optimize/tune 0.25 alone, 0.89 in context)."""
        if not (_plain(a) and _plain(b)) or cosine < self._context_threshold:
            return False
        return self._similarity_of(a, b) >= self._context_word_floor

    def _substitutes(self, a: Token, b: Token) -> bool:
        if not (_plain(a) and _plain(b)):
            return False
        return self._similarity_of(a, b) >= self._threshold

    def _similarity_of(self, a: Token, b: Token) -> float:
        return self._similarity(a.surface, b.surface)


def _plain(token: Token) -> bool:
    """An open-class, lower-case word: the only kind a similarity may stand in for."""
    return token.kind is Kind.content and not token.entity


def _roles_swap(a: Analysis, b: Analysis) -> bool:
    """The same person is only a subject on one side and only an object on the other."""
    for person in {p for p, _ in a.pronoun_roles} & {p for p, _ in b.pronoun_roles}:
        roles_a = {r for p, r in a.pronoun_roles if p == person}
        roles_b = {r for p, r in b.pronoun_roles if p == person}
        if not roles_a & roles_b:
            return True
    return False


def _initials(tokens: list[Token], kinds: tuple[Kind, ...]) -> str:
    return "".join(p[:1] for t in tokens if t.kind in kinds for p in (t.parts or (t.surface,)))


class _Alignment:
    """Which token on one side stands for which on the other; prepositions a match absorbed."""

    def __init__(self, left: tuple[Token, ...], right: tuple[Token, ...]) -> None:
        self.sides = (left, right)
        self.partner: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.absorbed: tuple[set[int], set[int]] = (set(), set())

    def _open(self, side: int) -> list[int]:
        return [
            i
            for i, t in enumerate(self.sides[side])
            if t.kind in _ALIGNED and i not in self.partner[side]
        ]

    def _pair(self, i: int, j: int) -> None:
        self.partner[0][i] = j
        self.partner[1][j] = i

    def match(
        self,
        accepts: Callable[[Token, Token], bool],
        best_first: Callable[[Token, Token], float] | None = None,
    ) -> None:
        """Pair open tokens that ``accepts`` allows, best score first when one is given."""
        left, right = self.sides
        candidates = [(i, j) for i in self._open(0) for j in self._open(1)]
        allowed = [(i, j) for i, j in candidates if accepts(left[i], right[j])]
        if best_first is not None:
            allowed.sort(key=lambda ij: -best_first(left[ij[0]], right[ij[1]]))
        for i, j in allowed:
            if i not in self.partner[0] and j not in self.partner[1]:
                self._pair(i, j)

    def match_abbreviations(self) -> None:
        """An open short word that spells the initials of an open run on the other side."""
        for side in (0, 1):
            other = 1 - side
            for i in self._open(side):
                word = self.sides[side][i].surface
                if word.isalpha() and 2 <= len(word) <= 5:
                    self._match_initials(side, i, word, other)
                if word.endswith("s") and i not in self.partner[side] and len(word) >= 3:
                    self._match_initials(side, i, word[:-1], other)  # FTEs

    def _match_initials(self, side: int, index: int, word: str, other: int) -> None:
        tokens = self.sides[other]
        open_other = set(self._open(other))
        for start in sorted(open_other):
            for end in range(start, len(tokens)):
                run = list(tokens[start : end + 1])
                spelled = {_initials(run, tuple(Kind)), _initials(run, (Kind.content,))}
                content = [start + k for k, t in enumerate(run) if t.kind in _ALIGNED]
                if word in spelled and all(k in open_other for k in content):
                    if run[-1].kind is Kind.content and len(run) > 1 or run[0].parts:
                        self._absorb(side, index, other, start, content, len(run))
                        return
                if min(len(s) for s in spelled) > len(word):
                    break

    def _absorb(
        self, side: int, index: int, other: int, start: int, content: list[int], size: int
    ) -> None:
        for k in content:
            self.partner[other][k] = index
        self.partner[side][index] = content[0]
        self.absorbed[other].update(range(start, start + size))

    def drop(self, ignorable: Callable[[Token], bool]) -> None:
        """Take open tokens that carry nothing (misspelled function words) out of the match."""
        for side in (0, 1):
            for i in self._open(side):
                if ignorable(self.sides[side][i]):
                    self.partner[side][i] = -1

    def leftovers(self) -> tuple[list[Token], list[Token]]:
        return (
            [self.sides[0][i] for i in self._open(0)],
            [self.sides[1][j] for j in self._open(1)],
        )

    def _identity(self, side: int, index: int) -> str:
        token = self.sides[side][index]
        if token.kind is Kind.number:
            return "#" + token.value
        if side == 0:
            return str(index)
        partner = self.partner[1].get(index)
        return str(partner) if partner is not None else "?" + token.value

    def role_pairs(self, side: int) -> Counter[tuple[str, str]]:
        """(preposition, the word it governs) pairs; a preposition with no object is skipped."""
        tokens = self.sides[side]
        pairs: Counter[tuple[str, str]] = Counter()
        for i, token in enumerate(tokens):
            if token.kind is not Kind.preposition or i in self.absorbed[side]:
                continue
            for k in range(i + 1, len(tokens)):
                following = tokens[k]
                if following.kind is Kind.function and following.value in lx.DETERMINERS:
                    continue
                if following.kind is Kind.number and token.value in _GLUE_BEFORE_NUMBERS:
                    break  # "week of 13 May", "quarter of 2023": the numbers are compared already
                if following.kind in (*_ALIGNED, Kind.number):
                    pairs[(token.value, self._identity(side, k))] += 1
                break
        return pairs
