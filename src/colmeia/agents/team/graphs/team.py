"""The supervisor, its specialists and the writer, as one LangGraph graph.

Pattern (LangGraph's tool-calling supervisor / orchestrator-worker): the supervisor model sees one
``ask_<specialist>`` tool per specialist and calls the ones a question needs, several at once if
it needs several, each with a self-contained ``task``. The ``delegate`` node runs those
specialists concurrently — each is a ReAct agent (``langchain.agents.create_agent``) with its own
tools and a private conversation — and answers every call with a ``ToolMessage`` holding the
specialist's reply; the specialist's own tool calls and results ride along as the message's
``artifact``, so the thread state shows every step. The ``writer`` then turns the findings into
the answer. A question the supervisor answers itself (a greeting) ends there.

Tool safety: arguments are validated against each tool's schema by the ``ToolNode``; a tool that
refuses or fails answers with an error ``ToolMessage`` (``ToolErrorMiddleware``) instead of ending
the run; ``recursion_limit`` from the run's config bounds the supervisor and every specialist,
and reaching it ends the run with LangGraph's ``GraphRecursionError`` (status ``error``,
"recursion limit reached").
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import ToolCallRequest, ToolErrorMiddleware
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, ToolException
from langgraph.errors import GraphRecursionError
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.pregel import Pregel
from pydantic import BaseModel, Field, ValidationError

from colmeia.agents.team.graphs import prompts

# Any (below): LangGraph's compiled-graph type parameters.


@dataclass(frozen=True)
class Specialist:
    """A member of the team: the supervisor reaches it through ``ask_<name>``."""

    name: str
    description: str
    """What it knows; shown to the supervisor model as the tool's description."""
    agent: Pregel[Any, Any, Any, Any]

    @property
    def tool_name(self) -> str:
        return f"ask_{self.name}"


class Delegation(BaseModel):
    task: str = Field(
        min_length=1,
        max_length=4000,
        description="the question for the specialist, complete on its own",
    )


def tool_error_message(error: Exception, request: ToolCallRequest) -> str:
    """What the model reads when a tool fails: a refusal's own words, else only the error type
    (a driver's message may carry hosts or credentials)."""
    name = request.tool_call["name"]
    if isinstance(error, ToolException):
        return f"{name} refused: {error}"
    return f"{name} failed ({type(error).__name__}); try another tool or rephrase"


def build_specialist(
    name: str, description: str, model: BaseChatModel, tools: Sequence[BaseTool], prompt: str
) -> Specialist:
    agent = create_agent(
        model,
        list(tools),
        system_prompt=prompt,
        middleware=[ToolErrorMiddleware(tool_error_message)],
        name=name,
    )
    return Specialist(name=name, description=description, agent=agent)


def _handoff_tools(specialists: Sequence[Specialist]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": specialist.tool_name,
                "description": specialist.description,
                "parameters": Delegation.model_json_schema(),
            },
        }
        for specialist in specialists
    ]


def build_team_graph(
    model: BaseChatModel, specialists: Sequence[Specialist]
) -> StateGraph[MessagesState, None, MessagesState, MessagesState]:
    """The team graph (uncompiled): supervisor → delegate → writer."""
    by_tool = {specialist.tool_name: specialist for specialist in specialists}
    supervisor_model = model.bind_tools(_handoff_tools(specialists))

    async def supervisor(state: MessagesState) -> dict[str, list[AnyMessage]]:
        reply = await supervisor_model.ainvoke(
            [SystemMessage(prompts.SUPERVISOR), *state["messages"]]
        )
        return {"messages": [reply]}

    async def delegate(state: MessagesState, config: RunnableConfig) -> dict[str, list[AnyMessage]]:
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)
        answers = await asyncio.gather(*(_ask(by_tool, call, config) for call in last.tool_calls))
        return {"messages": list(answers)}

    async def writer(state: MessagesState) -> dict[str, list[AnyMessage]]:
        reply = await model.ainvoke([SystemMessage(prompts.WRITER), *state["messages"]])
        return {"messages": [reply]}

    def route(state: MessagesState) -> str:
        last = state["messages"][-1]
        return "delegate" if isinstance(last, AIMessage) and last.tool_calls else END

    builder = StateGraph(MessagesState)
    builder.add_node("supervisor", supervisor)
    builder.add_node("delegate", delegate)
    builder.add_node("writer", writer)
    builder.add_edge(START, "supervisor")
    builder.add_conditional_edges("supervisor", route, ["delegate", END])
    builder.add_edge("delegate", "writer")
    builder.add_edge("writer", END)
    return builder


async def _ask(by_tool: dict[str, Specialist], call: Any, config: RunnableConfig) -> ToolMessage:
    # Any: a LangChain ToolCall (a TypedDict with name, args, id).
    name, call_id = str(call["name"]), str(call["id"])
    specialist = by_tool.get(name)
    if specialist is None:
        known = ", ".join(by_tool)
        return _error(call_id, name, f"there is no specialist {name!r}; use one of: {known}")
    try:
        task = Delegation.model_validate(call["args"]).task
    except ValidationError as error:
        return _error(call_id, name, f"invalid arguments: {error.errors(include_url=False)}")
    try:
        result = await specialist.agent.ainvoke({"messages": [HumanMessage(task)]}, config)
    except GraphRecursionError:
        raise  # the run's step budget is spent: end the run with that status
    except Exception as error:  # a specialist that breaks is a failed tool, not a failed run
        return _error(call_id, name, f"{specialist.name} failed ({type(error).__name__})")
    messages: list[AnyMessage] = result["messages"]
    return ToolMessage(
        content=messages[-1].text,
        tool_call_id=call_id,
        name=name,
        artifact={"specialist": specialist.name, "steps": [m.model_dump() for m in messages]},
    )


def _error(call_id: str, name: str, text: str) -> ToolMessage:
    return ToolMessage(content=text, tool_call_id=call_id, name=name, status="error")
