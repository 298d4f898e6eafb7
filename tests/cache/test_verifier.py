"""The verifier on hand-written pairs (none from the labelled pairs file), one class per rule."""

from __future__ import annotations

import pytest

from colmeia.cache.semantic import build_verifier
from colmeia.cache.tokens import analyse
from colmeia.cache.verifier import Verifier, negates
from colmeia.embeddings.minilm import MiniLMEmbedder


@pytest.fixture(scope="module")
def verifier(embedder: MiniLMEmbedder) -> Verifier:
    return build_verifier(embedder)


@pytest.fixture(scope="module")
def judge(verifier: Verifier, embedder: MiniLMEmbedder) -> object:
    def accepts(a: str, b: str) -> bool:
        cosine = float(embedder.embed_one(a) @ embedder.embed_one(b))
        return verifier.verify(analyse(a), analyse(b), cosine).accepted

    return accepts


SAME = [
    ("How many tickets did the billing team close in April 2025?",
     "How many tickets did the billing team close in Aprl 2025?"),
    ("Show invoices for Q2 2025.", "Show invoices for the second quarter of 2025."),
    ("What's the SLA for the EU region?", "What's the service level agreement for the EU region?"),
    ("In Go, how do I read a file line by line?", "How do I read a file line by line in Go?"),
    ("Which servers need a kernel update?", "Which servers require a kernel update?"),
    ("Quantos pedidos foram cancelados em abril de 2025?",
     "Quantos pedidos foram cancelados em abrl de 2025?"),
    ("lol how do I undo a git rebase", "How do I undo a git rebase?"),
]  # fmt: skip

DIFFERENT = [
    ("How many tickets were opened in April 2025?", "How many tickets were opened in June 2025?"),
    ("Set the retry limit to 4.", "Set the retry limit to 40."),
    ("Which orders shipped before Monday?", "Which orders shipped after Monday?"),
    ("Which invoices are overdue?", "Which invoices are not overdue?"),
    ("How do I enable logging in nginx?", "How do I disable logging in nginx?"),
    ("Convert 20 GBP to BRL.", "Convert 20 BRL to GBP."),
    ("Is a 5 GB upload allowed?", "Is a 5 TB upload allowed?"),
    ("What is the office address in Recife?", "What is the office address in Natal?"),
    ("List the open incidents.", "List the open security incidents."),
    ("Which vendors charge the most?", "Which vendors charge the least?"),
    ("Who approved Ana's request?", "Whose request did Ana approve?"),
    ("How much does Initech owe us?", "How much do we owe Initech?"),
    ("Quais pedidos foram entregues?", "Quais pedidos não foram entregues?"),
    ("Qual filial vendeu mais em 2025?", "Qual filial vendeu menos em 2025?"),
    ("Which teams buy licenses from us?", "Which teams sell licenses to us?"),
]  # fmt: skip


class TestVerifier:
    @pytest.mark.parametrize(("a", "b"), SAME)
    def test_same_question(self, judge: object, a: str, b: str) -> None:
        assert callable(judge)
        assert judge(a, b), (a, b)

    @pytest.mark.parametrize(("a", "b"), DIFFERENT)
    def test_meaning_bearing_change(self, judge: object, a: str, b: str) -> None:
        assert callable(judge)
        assert not judge(a, b), (a, b)
        assert not judge(b, a), (b, a)

    def test_languages_never_match(self, judge: object) -> None:
        assert callable(judge)
        assert not judge("How many orders were cancelled?", "Quantos pedidos foram cancelados?")


class TestAnalysis:
    def test_numbers_are_normalised(self) -> None:
        assert analyse("Spent over 1,000 USD in Q3").numbers == ("1000", "3")
        assert analyse("our next one-on-one").numbers == analyse("our next 1:1").numbers

    def test_negated_auxiliaries_split(self) -> None:
        values = [t.value for t in analyse("Which users haven't logged in?").tokens]
        assert "not" in values

    def test_language(self) -> None:
        assert analyse("Quais clientes compraram em maio?").lang == "pt"
        assert analyse("Which customers bought in May?").lang == "en"

    def test_opposite_prefixes(self) -> None:
        assert negates("lock", "unlock")
        assert negates("encrypt", "decrypt")
        assert negates("buy", "sell")
        assert not negates("update", "upgrade")
