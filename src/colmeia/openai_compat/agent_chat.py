"""``model = "agent:<assistant id or name>"``: a chat completion answered by a graph run.

The completion is a run like any other (DESIGN §1: the adapter goes through the runs service):
the run row is committed, a worker executes it, and the answer is read from the run's event
stream — the final state for a plain completion, the ``messages`` stream for SSE.

Threads, so conversations continue:

- ``x-colmeia-thread-id: <uuid>`` — an existing thread of the caller's (404 otherwise);
- else the request's ``user`` field — a thread derived from tenant, assistant and user with the
  server's secret (stable, unguessable by other tenants), created on first use;
- else a stateless run on a temporary thread.

On a thread that already holds the conversation only the new turn is sent (the messages after
the last assistant message), since OpenAI clients resend the whole history every time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from colmeia.assistants.errors import AssistantNotFound
from colmeia.assistants.schemas import AssistantSearch
from colmeia.assistants.service import assistant as assistant_service
from colmeia.auth.principal import Principal
from colmeia.db import Sessionmaker, unit_of_work
from colmeia.errors import ColmeiaError, NotFound
from colmeia.models import Assistant, Run
from colmeia.openai_compat.convert import JsonDict, envelope, sse, text_of
from colmeia.openai_compat.errors import error_type
from colmeia.openai_compat.schemas import ChatCompletionRequest
from colmeia.runs.events import RunEvents
from colmeia.runs.ledger_retry import ledger_retry
from colmeia.runs.schemas import RunCreate
from colmeia.runs.service import run as run_service
from colmeia.threads.errors import ThreadNotFound
from colmeia.threads.service import thread as thread_service
from colmeia.worker.enqueue import AfterCommit, JobQueue

AGENT_PREFIX = "agent:"
THREAD_HEADER = "x-colmeia-thread-id"
_AI_TYPES = ("ai", "AIMessageChunk")
_LISTED = 1000


class AgentNotFound(NotFound):
    code = "model_not_found"

    def __init__(self, reference: str) -> None:
        super().__init__(
            f"the model 'agent:{reference}' does not exist: no assistant with that id or name",
            details={"param": "model"},
        )


class AgentRunFailed(ColmeiaError):
    status_code, code = 502, "agent_run_failed"


@dataclass(frozen=True, slots=True)
class AgentRun:
    run: Run
    model: str
    """The ``model`` the caller asked for, echoed in the response."""


@dataclass(frozen=True, slots=True)
class RunTransport:
    """What starting and following a run needs from the app (this process's resources)."""

    sessionmaker: Sessionmaker
    graph_ids: set[str]
    events: RunEvents
    queue: JobQueue
    pepper: bytes


class AgentChat:
    async def names(self, session: AsyncSession, principal: Principal) -> list[str]:
        """``agent:<name>`` for every assistant the caller can run (names deduplicated)."""
        found, _ = await assistant_service.search(
            session, principal, AssistantSearch(limit=_LISTED)
        )
        return list(dict.fromkeys(f"{AGENT_PREFIX}{a.name}" for a in found if a.name))

    async def resolve(
        self, session: AsyncSession, principal: Principal, reference: str
    ) -> Assistant:
        """The assistant named by id or by exact name (the caller's own before the defaults,
        the newest first); `AgentNotFound` otherwise."""
        try:
            return await assistant_service.get(session, principal, uuid.UUID(reference))
        except ValueError:
            pass
        except AssistantNotFound:
            raise AgentNotFound(reference) from None
        found, _ = await assistant_service.search(
            session, principal, AssistantSearch(name=reference, limit=_LISTED)
        )
        exact = [a for a in found if a.name == reference]
        if not exact:
            raise AgentNotFound(reference)
        return sorted(exact, key=lambda a: a.tenant_id is None)[0]

    async def start(
        self,
        transport: RunTransport,
        principal: Principal,
        body: ChatCompletionRequest,
        thread_header: str | None,
        *,
        stream: bool,
    ) -> AgentRun:
        """Commit the run (then enqueue it); errors before this point are plain HTTP errors."""
        reference = body.model.removeprefix(AGENT_PREFIX)

        async def commit() -> tuple[Run, AfterCommit]:
            async with unit_of_work(transport.sessionmaker) as session:
                assistant = await self.resolve(session, principal, reference)
                thread_id, create = self._thread_id(
                    transport, principal, assistant, body, thread_header
                )
                fresh = thread_id is None or await self._fresh(session, principal, thread_id)
                run_body = RunCreate(
                    assistant_id=str(assistant.id),
                    input={"messages": body.messages if fresh else _new_turn(body.messages)},
                    stream_mode=["messages-tuple"] if stream else "values",
                    multitask_strategy="enqueue",
                    if_not_exists="create" if create else "reject",
                    metadata={"source": "openai", **({"user": body.user} if body.user else {})},
                )
                return await run_service.create(
                    session, principal, thread_id, run_body, transport.graph_ids, transport.events
                )

        run, after = await ledger_retry(commit)()
        await after.flush(transport.queue)
        return AgentRun(run, body.model)

    def _thread_id(
        self,
        transport: RunTransport,
        principal: Principal,
        assistant: Assistant,
        body: ChatCompletionRequest,
        header: str | None,
    ) -> tuple[uuid.UUID | None, bool]:
        """The thread to run on and whether it may be created."""
        if header:
            try:
                return uuid.UUID(header.strip()), False
            except ValueError:
                raise ThreadNotFound(header[:100]) from None
        if body.user:
            material = f"{principal.tenant_id}:{assistant.id}:{body.user}".encode()
            digest = hmac.new(transport.pepper, material, hashlib.sha256).digest()
            return uuid.UUID(bytes=digest[:16], version=4), True
        return None, False

    async def _fresh(
        self, session: AsyncSession, principal: Principal, thread_id: uuid.UUID
    ) -> bool:
        """True when the conversation starts here (the thread does not exist yet)."""
        try:
            await thread_service.get(session, principal, thread_id)
        except ThreadNotFound:
            return True
        return False

    async def complete(self, events: RunEvents, started: AgentRun) -> JsonDict:
        """Wait for the run and answer with its last AI message as a ``chat.completion``."""
        async for _ in events.read(started.run.id):
            pass
        ended = await events.output(started.run.id) or {}
        output = ended.get("output")
        if ended.get("status") != "success":
            raise AgentRunFailed(f"the agent run {started.run.id} failed: {_failure(output)}")
        return {
            **envelope("chat.completion", started.model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": _answer(output), "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }

    async def stream(
        self, events: RunEvents, started: AgentRun, include_usage: bool
    ) -> AsyncIterator[str]:
        """SSE chunks from the run's ``messages`` stream (AI message text as it is produced)."""
        head = envelope("chat.completion.chunk", started.model)
        extra = {"usage": None} if include_usage else {}
        yield sse({**head, "choices": [_choice({"role": "assistant", "content": ""})], **extra})
        async for event in events.read(started.run.id):
            if event.event == "error":
                failure = json.loads(event.data)
                body = {"message": str(failure.get("message")), "type": error_type(502)}
                yield sse({"error": {**body, "code": AgentRunFailed.code}})
                return
            text = _chunk_text(event.event, event.data)
            if text:
                yield sse({**head, "choices": [_choice({"content": text})], **extra})
        yield sse({**head, "choices": [_choice({}, "stop")], **extra})
        if include_usage:
            usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
            yield sse({**head, "choices": [], "usage": usage})
        yield "data: [DONE]\n\n"


def _new_turn(messages: list[JsonDict]) -> list[JsonDict]:
    """The messages after the last assistant message: what the thread has not seen."""
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
    return messages[last + 1 :]


def _answer(output: object) -> str:
    messages = output.get("messages") if isinstance(output, dict) else None
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("type") in _AI_TYPES:
            return text_of(message.get("content"))
    return ""


def _failure(output: object) -> str:
    error = output.get("__error__") if isinstance(output, dict) else None
    return str(error.get("message")) if isinstance(error, dict) else "no result"


def _chunk_text(event: str, data: str) -> str:
    if event != "messages":
        return ""
    payload = json.loads(data)
    message = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(message, dict) or message.get("type") not in _AI_TYPES:
        return ""
    return text_of(message.get("content"))


def _choice(delta: JsonDict, finish_reason: str | None = None) -> JsonDict:
    return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}


agent_chat = AgentChat()
