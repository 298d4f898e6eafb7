"""The one Redactor: every pattern of the corpus is masked, ordinary text is left alone."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from colmeia.telemetry.redaction import MASK, Redactor, redact
from tests.telemetry.secret_corpus import corpus

CORPUS = corpus()


class TestPatterns:
    def test_the_corpus_has_fifty_distinct_patterns(self) -> None:
        assert len({s.label for s in CORPUS}) >= 50

    @pytest.mark.parametrize("secret", CORPUS, ids=[s.label for s in CORPUS])
    def test_masked_in_plain_json_escaped_and_url_encoded_text(self, secret: object) -> None:
        from tests.telemetry.secret_corpus import Secret

        assert isinstance(secret, Secret)
        plain = f"error while calling upstream: {secret.text} (retrying)"
        for form in (plain, json.dumps({"input": plain}), f"/path?q={quote(plain)}"):
            masked = redact(form)
            assert secret.core not in masked, form
            assert MASK in masked

    def test_configured_literals_are_masked_whatever_their_shape(self) -> None:
        redactor = Redactor(["plain-looking-value-42"])
        assert redactor.text("x plain-looking-value-42 y") == f"x {MASK} y"

    def test_an_echo_without_its_shape_is_masked_once_seen(self) -> None:
        redactor = Redactor()
        assert redactor.text("config api_key=Qm9vb2xlYW5zRm9yZXZlcg") == f"config api_key={MASK}"
        echoed = "You asked about api_key and Qm9vb2xlYW5zRm9yZXZlcg."
        assert redactor.text(echoed) == f"You asked about api_key and {MASK}."

    def test_sensitive_keys_in_structures(self) -> None:
        event = {
            "headers": {
                "Authorization": "anything",
                "Cookie": "a=b",
                "X-Upstream-Token": "t",
                "Accept": "json",
            },
            "query": [("token", "abc"), ("page", "2")],
            "password": 12345,
            "nested": [{"api_key": "zzz", "ok": "fine"}],
        }
        masked = Redactor().value(event)
        assert masked["headers"] == {
            "Authorization": MASK,
            "Cookie": MASK,
            "X-Upstream-Token": MASK,
            "Accept": "json",
        }
        assert masked["password"] == MASK
        assert masked["nested"] == [{"api_key": MASK, "ok": "fine"}]


class TestNoFalseAlarms:
    @pytest.mark.parametrize(
        "text",
        [
            "The semantic cache answered in 4 ms with 12 input tokens",
            "token generation and basic principles of key design",
            "GET /runs/5b0c7d7e-2f7e-4c1a-9d7e-3f2a1b0c9d8e/trace 200",
            "input_tokens: 12, output_tokens: 40",
            "Skipping the sky-blue skiff",
            "trace_id=4bf92f3577b34da6a3ce929d0e0e4736",
        ],
    )
    def test_ordinary_text_is_unchanged(self, text: str) -> None:
        assert redact(text) == text
