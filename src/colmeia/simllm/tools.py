"""Tool choice and argument filling for the simulated model.

A tool is scored by how many of the user's content words appear in its name (counted twice, since
a name is the strongest signal) and description. Ties go to the tool offered first, so the choice
is deterministic. `tool_choice` is honoured as OpenAI documents it: "none" never calls, "auto"
calls only when some tool scores above zero, "required" calls the best tool even at zero, and a
named function is always called.

Parallel calls: a message that asks several questions (sentences ending in "?") is answered with
one call per question whose best tool differs from the earlier ones', each call's arguments drawn
from its own question ("How many open tickets…? Who supplies the Hive Sensor?" gives a ticket
query and a supplier lookup). A message with one question, or ``parallel_tool_calls: false``,
gets at most one call, as before.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from colmeia.simllm import words
from colmeia.simllm.schema_fill import SchemaFiller
from colmeia.simllm.schemas import NamedToolChoice, Tool, ToolChoice


@dataclass(frozen=True)
class PlannedCall:
    """A tool call the simulated model decided to make."""

    id: str
    name: str
    arguments: str


def choose(tools: list[Tool], tool_choice: ToolChoice | None, text: str) -> Tool | None:
    """The tool to call for user message `text`, or None to answer in prose."""
    if not tools or tool_choice == "none":
        return None
    if isinstance(tool_choice, NamedToolChoice):
        wanted = tool_choice.function.name
        return next((tool for tool in tools if tool.function.name == wanted), None)
    asked = words.normalised_set(words.keywords(text))
    scores = [_score(tool, asked) for tool in tools]
    best = max(range(len(tools)), key=lambda index: (scores[index], -index))
    if scores[best] == 0 and tool_choice != "required":
        return None
    return tools[best]


_QUESTION = re.compile(r"[^?]*\?")


def questions(text: str) -> list[str]:
    """The questions asked in `text`, each a sentence ending in "?" (stripped)."""
    found = [match.strip(" \n\t.!") for match in _QUESTION.findall(text)]
    return [question for question in found if words.keywords(question)]


def plan_calls(
    tools: list[Tool], tool_choice: ToolChoice | None, text: str, seed: str, parallel: bool
) -> tuple[PlannedCall, ...]:
    """The calls to make for user message `text`: one per question that needs another tool."""
    asked = questions(text) if parallel else []
    if len(asked) > 1:
        calls: list[PlannedCall] = []
        for question in asked:
            tool = choose(tools, tool_choice if tool_choice != "required" else "auto", question)
            if tool is not None and all(call.name != tool.function.name for call in calls):
                calls.append(plan_call(tool, question, seed))
        if calls:
            return tuple(calls)
    tool = choose(tools, tool_choice, text)
    return () if tool is None else (plan_call(tool, text, seed),)


def plan_call(tool: Tool, text: str, seed: str) -> PlannedCall:
    """Fill `tool`'s arguments from `text`; `seed` (a hash of the conversation) names the call."""
    parameters = tool.function.parameters or {"type": "object", "properties": {}}
    arguments = SchemaFiller(text, _topic(tool, text), parameters).fill(parameters)
    digest = hashlib.sha256(f"{seed}:{tool.function.name}".encode()).hexdigest()
    return PlannedCall(
        id=f"call_{digest[:24]}",
        name=tool.function.name,
        arguments=json.dumps(arguments, ensure_ascii=False),
    )


def _topic(tool: Tool, text: str) -> list[str]:
    """What the user wants the tool applied to: the names they mention ('in Lisbon'), else their
    content words minus those that only echo the tool's own name and description."""
    function = tool.function
    described = words.normalised_set(
        [*words.identifier_words(function.name), *words.split_words(function.description or "")]
    )
    names = [word for word in words.proper_nouns(text) if words.normalise(word) not in described]
    if names:
        return names
    rest = [
        word
        for word in words.keywords(text)
        if words.normalise(word) not in described and not words.numbers(word)
    ]
    return rest or words.keywords(text)


def _score(tool: Tool, asked: set[str]) -> int:
    name = words.normalised_set(words.identifier_words(tool.function.name))
    description = words.normalised_set(words.keywords(tool.function.description or ""))
    return 2 * len(asked & name) + len(asked & (description - name))
