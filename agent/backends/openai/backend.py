"""The OpenAI-compatible backend: a LangChain tool-calling agent, then structured output.

Two stages, each against any chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp server):
1. **agent** — `langchain.agents.create_agent` with `search_papers` (the question's own index) and
   `run_sr_model` (the SR tool); the model searches until it has what it needs.
2. **structured** — the passages it retrieved (plus the ones retrieved for the related papers) go
   back to the model, which fills `AnswerParts` through LangChain's `with_structured_output`. The
   conversation is flattened into one request here, so servers that dislike replayed tool calls
   still work. An invalid part is asked for once more with the validation error; a part that is
   still invalid is replaced by the extractive text for it, with a warning.

The draft is then assembled and guarded by `agent.answer.compose.assemble` like any other backend's.
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agent.answer.context import AnswerContext, Draft
from agent.answer.relation import relation_of
from agent.answer.schema import CitedSentence, Usage
from agent.answer.tasks import prompt_family
from agent.backends import extractive
from agent.backends.openai.errors import LLMConfigError, endpoint_errors
from agent.backends.openai.structured import AnswerParts, Parts, merge, parse_output, validate_parts
from agent.backends.openai.tools import load_sr_tool, search_tool, tool_result
from agent.settings import Settings
from prompts.errors import AisciError
from prompts.instructions import (
    LOOSELY_RELATED,
    SYSTEM_PROMPT,
    TOOL_AGENT_PROMPT,
    agent_request,
    paper_keys,
    retry_request,
    structured_request,
)
from prompts.links import strip_links
from tools.run_sr_model import NAME as SR_TOOL
from tools.search_papers import NAME as SEARCH_TOOL

# Local servers ignore the key but the client insists on one.
PLACEHOLDER_KEY = "not-needed"
# Model calls the agent may make before it must stop searching (each search is one call).
MAX_MODEL_CALLS = 8
LIMIT_MARK = "Model call limits exceeded"
# Passages found by the agent that the structured stage sees (first found first), bounding its prompt.
MAX_WRITING_PASSAGES = 24
_AUTO = object()


def build_chat_model(settings: Settings):
    """`ChatOpenAI` for the configured endpoint (chat completions, no streaming)."""
    if not settings.llm_base_url and not settings.openai_api_key:
        raise LLMConfigError(
            "backend 'openai' needs OPENAI_API_KEY (for api.openai.com) or AISCI_LLM_BASE_URL "
            "(for an OpenAI-compatible server such as vLLM, Ollama or llama.cpp)"
        )
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.llm_model,
        api_key=settings.openai_api_key or PLACEHOLDER_KEY,
        base_url=settings.llm_base_url,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        temperature=0.0,  # the same answer for the same sources
        use_responses_api=False,  # the chat-completions protocol is what every compatible server speaks
        disable_streaming=True,
    )


def _tool_error(exc: Exception, request: Any) -> str | None:
    """Bad tool arguments (an image outside the allowed folders, an unknown model) go back to the
    model as an error message; anything else propagates."""
    if isinstance(exc, AisciError):
        return f"error: {' '.join(str(exc).split())}"
    return None


def _count_tokens(messages: list, usage: Usage) -> None:
    for message in messages:
        meta = getattr(message, "usage_metadata", None) or {}
        usage.prompt_tokens += int(meta.get("input_tokens") or 0)
        usage.completion_tokens += int(meta.get("output_tokens") or 0)


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, list):
        content = "".join(c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
    return str(content or "").strip()


class OpenAIBackend:
    """A LangChain tool-calling agent against an OpenAI-compatible endpoint (see the module docstring).

    `chat_model` replaces `ChatOpenAI` (tests pass a scripted fake whose `bind_tools` returns
    itself); `sr_tool` replaces the lazily loaded `run_sr_model` tool (None: no SR tool)."""

    name = "openai"

    def __init__(self, settings: Settings, chat_model: Any = None, sr_tool: Any = _AUTO):
        self.settings = settings
        self.chat = chat_model if chat_model is not None else build_chat_model(settings)
        self._sr_tool = sr_tool

    def _endpoint_errors(self):
        s = self.settings
        return endpoint_errors(s.llm_base_url, s.llm_model, s.llm_timeout_s, s.llm_max_retries)

    def tools(self, ctx: AnswerContext) -> list:
        """The agent's tools for this question: search, and the SR model when it can run here."""
        tools = [search_tool(ctx, self.settings.top_k)]
        sr_tool = load_sr_tool(self.settings) if self._sr_tool is _AUTO else self._sr_tool
        if sr_tool is not None:
            tools.append(sr_tool)
        return tools

    def run_agent(self, ctx: AnswerContext) -> list[BaseMessage]:
        """Stage 1: the tool-calling loop; returns the conversation."""
        from langchain.agents import create_agent
        from langchain.agents.middleware import ModelCallLimitMiddleware, ToolErrorMiddleware

        agent = create_agent(
            self.chat,
            self.tools(ctx),
            system_prompt=TOOL_AGENT_PROMPT,
            middleware=[ModelCallLimitMiddleware(run_limit=MAX_MODEL_CALLS, exit_behavior="end"),
                        ToolErrorMiddleware(on_error=_tool_error)],
        )
        state = agent.invoke({"messages": [HumanMessage(content=agent_request(ctx.prompt, SEARCH_TOOL))]},
                             config={"recursion_limit": 4 * MAX_MODEL_CALLS + 8})
        return list(state["messages"])

    def _structured_call(self, messages: list[BaseMessage], keys: dict[str, str], usage: Usage) -> tuple[Parts, dict | None]:
        method = self.settings.llm_structured_output
        runnable = self.chat.with_structured_output(AnswerParts, method=method, include_raw=True)
        out = runnable.invoke(messages)
        raw = out.get("raw")
        _count_tokens([raw] if raw is not None else [], usage)
        parsed = out.get("parsed")
        data, error = parse_output(parsed if parsed is not None else raw)
        return validate_parts(data, keys, error), data

    def structured(self, ctx: AnswerContext, passages: list, notes: str, usage: Usage) -> Parts:
        """Stage 2: the parts as structured output, retried once with the validation errors."""
        keys = paper_keys(ctx.prompt)
        messages: list[BaseMessage] = [SystemMessage(content=SYSTEM_PROMPT),
                                       HumanMessage(content=structured_request(ctx.prompt, passages, notes))]
        first, data = self._structured_call(messages, keys, usage)
        if not first.errors:
            return first
        messages.append(HumanMessage(content=retry_request(list(first.errors.values()), data)))
        second, _ = self._structured_call(messages, keys, usage)
        return merge(first, second)

    def draft(self, ctx: AnswerContext, on_part=None, progress=None) -> Draft:
        """Search with tools, then write the parts as structured output (see the module docstring)."""
        usage, warnings = Usage(), []
        start = time.perf_counter()
        with self._endpoint_errors():
            conversation = self.run_agent(ctx)
        usage.add_time("agent", time.perf_counter() - start)
        _count_tokens(conversation, usage)
        demo = _demo_result(conversation, warnings)
        notes = _final_notes(conversation, warnings)
        if not any(isinstance(m, ToolMessage) and m.name == SEARCH_TOOL for m in conversation):
            warnings.append(f"openai: the model did not call {SEARCH_TOOL}; it was given the passages retrieved for the question")

        start = time.perf_counter()
        with self._endpoint_errors():
            parts = self.structured(ctx, _passages_for_writing(ctx), notes, usage)
        usage.add_time("structured", time.perf_counter() - start)
        # Warnings can echo tool arguments the model wrote (a model name, an image "path" that is a
        # URL): they get the same link policy as the answer.
        warnings = [strip_links(w, ctx.prompt.is_allowed_link, []) for w in warnings]
        draft = _fill(ctx, parts, warnings)
        draft.usage, draft.demo = usage, demo
        return draft


def _passages_for_writing(ctx: AnswerContext) -> list:
    """What the structured stage may cite: the passages the agent found, the ones retrieved for the
    related papers, and — when the agent found none — the ones retrieved for the question."""
    groups = [ctx.tool_passages[:MAX_WRITING_PASSAGES], *ctx.reference_passages.values()]
    if not ctx.tool_passages:
        groups = [ctx.question_passages, *ctx.model_passages.values(), *groups]
    seen: dict[str, Any] = {}
    for group in groups:
        for passage in group:
            seen.setdefault(passage.id, passage)
    return list(seen.values())


def _demo_result(conversation: list[BaseMessage], warnings: list[str]) -> dict | None:
    """The last successful `run_sr_model` result; failed calls become warnings."""
    demo = None
    for message in conversation:
        if not (isinstance(message, ToolMessage) and message.name == SR_TOOL):
            continue
        result, error = tool_result(message.content)
        if message.status == "error" and result is not None:
            result, error = None, str(result.get("error") or "the tool failed")
        if result is None:
            warnings.append(f"demo: {SR_TOOL} failed: {error}")
        else:
            demo = result
    return demo


def _final_notes(conversation: list[BaseMessage], warnings: list[str]) -> str:
    """The agent's last words, which the structured stage rewrites into the parts."""
    last = next((m for m in reversed(conversation) if isinstance(m, AIMessage)), None)
    if last is None:
        return ""
    text = _text(last)
    if text.startswith(LIMIT_MARK):
        warnings.append(f"openai: the agent stopped after {MAX_MODEL_CALLS} model calls; answering from what it found")
        return ""
    return text


def _fill(ctx: AnswerContext, parts: Parts, warnings: list[str]) -> Draft:
    """The draft from the valid parts, the extractive text for each invalid one (with a warning)."""

    def fallback(part: str, what: str) -> None:
        error = parts.errors.get(part, "invalid")
        warnings.append(f"openai: the model gave no valid {what} in two tries ({error}); used the extractive text instead")

    if parts.task is None:
        fallback("task", "task sentence")
    if parts.sub_goals is None:
        fallback("sub_goals", "sub-goals")
    if parts.direct_answer is None:
        fallback("direct_answer", "direct answer")
    if parts.mechanism is None:
        fallback("mechanism", "mechanism sentences")
    titles = {p.paper_url: p.title for p in ctx.prompt.papers}
    family = prompt_family(ctx.prompt)
    relevance = {}
    for key, url in paper_keys(ctx.prompt).items():
        passages = ctx.reference_passages.get(url, [])
        if url in parts.relevance:
            # How the paper bears on the question is decided by code from its own words; the model's
            # line follows a tangential paper's verdict rather than replacing it.
            relation = relation_of(titles[url], " ".join(p.text for p in passages), family)
            line = parts.relevance[url]
            text = relation.then(line.text) if relation.tangential and not line.text.startswith(LOOSELY_RELATED) else line.text
            relevance[url] = CitedSentence(text=text, citations=line.citations)
        else:
            fallback(key, f"relevance line for '{titles[url]}'")
            relevance[url] = extractive.relevance_sentence(ctx, url, passages)
    return Draft(
        task=parts.task or extractive.task_sentence(ctx),
        sub_goals=parts.sub_goals or extractive.sub_goals(ctx),
        direct_answer=parts.direct_answer or extractive.direct_answer(ctx),
        steps=parts.mechanism or extractive.mechanism_steps(ctx),
        relevance=relevance,
        warnings=warnings,
    )
