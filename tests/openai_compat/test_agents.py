"""``model = "agent:<assistant>"`` through the official ``openai`` SDK: the completion is a run
executed by a real worker process, on a thread chosen by header or derived from ``user``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from colmeia.models import Role
from colmeia.simllm.testing import running_sim_llm
from tests.fixtures.live import live_api, stack_settings, worker_process
from tests.fixtures.principals import Credential, create_credential

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).parents[1] / "conformance" / "project" / "langgraph.json"
"""Graphs ``echo`` (no LLM: answers ``echo: <last message>``, counts its runs) and ``agent``
(``ChatOpenAI`` streaming from the simulated LLM)."""


@dataclass(frozen=True)
class Live:
    base: str
    alice: Credential
    other: Credential
    """A user of another tenant."""
    log: Path

    def client(self, credential: Credential | None = None) -> openai.OpenAI:
        key = (credential or self.alice).key
        return openai.OpenAI(base_url=f"{self.base}/v1", api_key=key, max_retries=0, timeout=60)

    def chat(
        self, messages: list[Any], credential: Credential | None = None, **kwargs: Any
    ) -> tuple[str, str | None]:
        """(the answer, the thread id header) of a non-streamed agent completion."""
        kwargs.setdefault("model", "agent:echo")
        with self.client(credential) as client:
            raw = client.chat.completions.with_raw_response.create(messages=messages, **kwargs)
        answer = raw.parse().choices[0].message.content or ""
        return answer, raw.headers.get("x-colmeia-thread-id")

    def api(self, method: str, path: str, credential: Credential | None = None, **kw: Any) -> Any:
        headers = {"x-api-key": (credential or self.alice).key}
        kw.setdefault("timeout", 30)
        return httpx.request(method, f"{self.base}{path}", headers=headers, **kw)


@pytest.fixture(scope="module")
def live(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    data = tmp_path_factory.mktemp("openai-agents")
    with running_sim_llm() as llm_url:
        settings = stack_settings(
            data / "data",
            database_url,
            redis_url,
            llm_url,
            agents={"config": PROJECT},
            cache={"prefix": f"test-cache:{uuid.uuid4().hex[:10]}"},
        )
        alice = create_credential(settings, Role.user)
        other = create_credential(settings, Role.user)
        log = data / "worker.log"
        with live_api(settings) as base, worker_process(settings, log):
            # The worker opens its graphs and resources on its first run: slow on a busy machine.
            warm = Live(base, alice, other, log).api(
                "POST", "/runs/wait", json={"assistant_id": "echo", "input": {}}, timeout=300
            )
            assert warm.status_code == 200, log.read_text()
            yield Live(base, alice, other, log)


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


class TestAgentCompletions:
    def test_models_list_the_callers_agents(self, live: Live) -> None:
        with live.client() as client:
            ids = [model.id for model in client.models.list()]
            found = client.models.retrieve("agent:echo")
            with pytest.raises(openai.NotFoundError) as missing:
                client.models.retrieve("agent:nobody")
        assert {"agent:echo", "agent:agent"} <= set(ids)
        assert found.id == "agent:echo"
        assert missing.value.code == "model_not_found"

    def test_a_completion_is_a_run_of_the_graph(self, live: Live) -> None:
        answer, thread = live.chat([user("hello there")])
        assert answer == "echo: hello there"
        assert thread is None, "a completion without a thread runs stateless"

    def test_the_user_field_continues_the_conversation(self, live: Live) -> None:
        first, thread = live.chat([user("hello")], user="alice@example.test")
        history = [user("hello"), assistant(first), user("and again")]
        second, same = live.chat(history, user="alice@example.test")
        assert (first, second) == ("echo: hello", "echo: and again")
        assert same == thread
        values = live.api("GET", f"/threads/{thread}/state").json()["values"]
        assert values["count"] == 2
        assert [m["content"] for m in values["messages"]] == [
            "hello",
            "echo: hello",
            "and again",
            "echo: and again",
        ], "only the new turn is sent to a thread that holds the conversation"
        _, bob = live.chat([user("hello")], user="bob@example.test")
        _, elsewhere = live.chat([user("hello")], live.other, user="alice@example.test")
        assert len({thread, bob, elsewhere}) == 3, "threads are per tenant, user and assistant"

    def test_thread_header_and_assistant_by_name_or_id(self, live: Live) -> None:
        thread = live.api("POST", "/threads", json={}).json()["thread_id"]
        created = live.api("POST", "/assistants", json={"graph_id": "echo", "name": "greeter"})
        greeter = created.json()["assistant_id"]
        header = {"x-colmeia-thread-id": thread}
        by_name, used = live.chat([user("one")], model="agent:greeter", extra_headers=header)
        by_id, _ = live.chat([user("two")], model=f"agent:{greeter}", extra_headers=header)
        assert (by_name, by_id, used) == ("echo: one", "echo: two", thread)
        assert live.api("GET", f"/threads/{thread}/state").json()["values"]["count"] == 2
        with pytest.raises(openai.NotFoundError):
            live.chat([user("three")], live.other, extra_headers=header)
        with pytest.raises(openai.NotFoundError) as foreign:
            live.chat([user("four")], live.other, model="agent:greeter")
        assert foreign.value.code == "model_not_found", "another tenant's assistant"

    def test_streamed_agent_completion(self, live: Live) -> None:
        messages = [user("What makes semantic caches effective?")]
        expected, _ = live.chat(messages, model="agent:agent")
        with live.client() as client:
            stream = client.chat.completions.create(
                model="agent:agent",
                messages=messages,  # type: ignore[arg-type]
                stream=True,
                stream_options={"include_usage": True},
            )
            chunks = list(stream)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        pieces = [c for c in chunks if c.choices and c.choices[0].delta.content]
        assert text == expected
        assert len(pieces) > 1, "tokens arrive as the model streams them"
        assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
        assert chunks[-1].usage is not None
