"""``Idempotency-Key`` on run creation: one run per tenant and key, also under a burst of
concurrent retries; the same key with a different request is refused (422).

No worker is needed: the runs stay pending, which is all creation is about.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from colmeia.models import Role
from tests.fixtures.principals import create_credential
from tests.runs.stack import Stack, stack

__all__ = ["stack"]


def _body(text: str = "hello") -> dict[str, object]:
    return {"assistant_id": "steps", "input": {"delay": 0.1, "visits": [text]}}


def _thread(http: httpx.Client) -> str:
    return str(http.post("/threads", json={}).json()["thread_id"])


class TestIdempotencyKey:
    def test_a_repeated_create_returns_the_same_run(self, stack: Stack) -> None:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        with stack.client() as http:
            thread = _thread(http)
            first = http.post(f"/threads/{thread}/runs", json=_body(), headers=key)
            second = http.post(f"/threads/{thread}/runs", json=_body(), headers=key)
            assert first.status_code == second.status_code == 200, second.text
            assert first.json()["run_id"] == second.json()["run_id"]
            assert second.headers["content-location"] == first.headers["content-location"]
            assert len(http.get(f"/threads/{thread}/runs").json()) == 1

    def test_the_same_key_with_another_request_is_refused(self, stack: Stack) -> None:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        with stack.client() as http:
            thread = _thread(http)
            assert http.post(f"/threads/{thread}/runs", json=_body(), headers=key).is_success
            other = http.post(f"/threads/{thread}/runs", json=_body("other"), headers=key)
            assert other.status_code == 422
            assert other.json()["error"]["code"] == "idempotency_key_reused"
            elsewhere = http.post(f"/threads/{_thread(http)}/runs", json=_body(), headers=key)
            assert elsewhere.status_code == 422  # another thread is another request
            assert len(http.get(f"/threads/{thread}/runs").json()) == 1

    def test_concurrent_retries_make_one_run(self, stack: Stack) -> None:
        key = {"Idempotency-Key": uuid.uuid4().hex}

        def create(_: int) -> httpx.Response:
            with stack.client() as http:
                return http.post("/runs", json=_body(), headers=key)

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(create, range(8)))
        assert {answer.status_code for answer in answers} == {200}, [a.text for a in answers]
        assert len({answer.json()["run_id"] for answer in answers}) == 1
        assert stack.runs_with_key(key["Idempotency-Key"]) == 1

    def test_keys_are_per_tenant(self, stack: Stack) -> None:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        other = create_credential(stack.settings, Role.user).key
        with stack.client() as mine, stack.client(other) as theirs:
            first = mine.post("/runs", json=_body(), headers=key).json()["run_id"]
            second = theirs.post("/runs", json=_body(), headers=key).json()["run_id"]
        assert first != second

    @pytest.mark.parametrize("key", ["x" * 256, "has space", ""])
    def test_a_malformed_key_is_refused(self, stack: Stack, key: str) -> None:
        with stack.client() as http:
            answer = http.post("/runs", json=_body(), headers={"Idempotency-Key": key})
        assert answer.status_code == 422
