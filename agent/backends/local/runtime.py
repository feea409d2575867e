"""The embedded LLM: a GGUF model run in process by llama-cpp-python, kept loaded across calls.

Small models cannot call tools, so the local backend asks focused questions and writes the start of
each line of the reply itself (`continue_reply`). `complete_json` (an output held to a JSON schema
by a llama.cpp grammar) and `complete_text` (one plain call) serve the benchmark and other callers.

Prompt layout and speed: on a 2-core CPU reading the prompt costs more than writing the answer
(~60 prompt tokens/s against ~20 generated tokens/s). llama.cpp keeps the KV cache of the previous
call and reuses its longest common token prefix, so keep the layout stable across calls about one
question: the same `system` text first, then the same passages at the start of `user`, and the
specific ask last. A call that only changes the ask then reads only the ask.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agent.settings import Settings
from prompts.errors import AisciError

# Tokens the chat template adds around a system and a user message (Qwen's <|im_start|>role ...
# <|im_end|> markers and the assistant header take about 14); rounded up so budgets stay safe.
CHAT_OVERHEAD_TOKENS = 32

# `on_token(tokens so far, text so far)` while a completion is streamed.
TokenCallback = Callable[[int, str], None]

_LOAD_LOCK = threading.Lock()
_MODELS: dict[tuple[str, int, int], tuple[Any, threading.Lock]] = {}
_GRAMMARS: dict[str, Any] = {}


class LocalLLMError(AisciError):
    """The local model cannot be loaded or run."""


class ContextOverflowError(LocalLLMError):
    """The prompt plus the answer budget does not fit in the model's context window."""


class InvalidOutputError(LocalLLMError):
    """The model's output is not the JSON that was asked for; `raw` holds what it wrote."""

    def __init__(self, message: str, raw: str):
        super().__init__(message)
        self.raw = raw


class CallUsage(BaseModel):
    """Tokens and wall time of one or more LLM calls (summable with `+`). `prompt_tokens` counts
    the whole prompt each call sent; `prompt_new` the part llama.cpp had to read (the rest was its
    KV cache of the previous call's prefix)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    prompt_new: int = 0

    def __add__(self, other: CallUsage) -> CallUsage:
        return CallUsage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            prompt_new=self.prompt_new + other.prompt_new,
            seconds=round(self.seconds + other.seconds, 3),
        )


def import_llama_cpp():
    """Import llama_cpp (with the OpenMP setting below); LocalLLMError when it is missing or broken."""
    # llama.cpp's CPU threads sync through OpenMP; libgomp's default spin-waiting collapses
    # generation (0.8 instead of 8 tokens/s measured) when other processes share the cores. PASSIVE
    # makes waiting threads sleep. libgomp reads this once, when llama_cpp's library loads, and an
    # explicit OMP_WAIT_POLICY from the user wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import llama_cpp
    except (ImportError, OSError, RuntimeError) as exc:  # missing, or its compiled library fails to load
        raise LocalLLMError(
            f"llama-cpp-python is not installed or does not load ({exc}): install it with "
            "`pip install -e '.[local]'`, or use AISCI_BACKEND=extractive or an OpenAI-compatible endpoint"
        ) from None
    return llama_cpp


def load_llama(path: Path, n_ctx: int, n_threads: int) -> tuple[Any, threading.Lock]:
    """The llama_cpp.Llama for (path, n_ctx, n_threads), loaded once per process, with its lock.

    A Llama object is not safe to use from two threads at once, hence the lock that goes with it.
    """
    key = (str(Path(path).resolve()), n_ctx, n_threads)
    with _LOAD_LOCK:
        if key in _MODELS:
            return _MODELS[key]
        llama_cpp = import_llama_cpp()
        try:
            llama = llama_cpp.Llama(
                model_path=key[0], n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads, verbose=False
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise LocalLLMError(f"{path}: llama.cpp could not load the model ({exc})") from None
        _MODELS[key] = (llama, threading.Lock())
        return _MODELS[key]


def unload_all() -> None:
    """Free every loaded model (their memory returns once no LocalLLM refers to them)."""
    with _LOAD_LOCK:
        for llama, _ in _MODELS.values():
            llama.close()
        _MODELS.clear()


# Free models before interpreter teardown: llama_cpp's own finaliser fails noisily once its
# module globals are gone ("Exception ignored in Llama.__del__").
atexit.register(unload_all)


def _grammar(schema: dict) -> Any:
    """The llama.cpp grammar of a JSON schema, compiled once per schema.

    Compiled here rather than through `response_format`, because llama-cpp-python silently falls
    back to "any JSON" for a schema its converter does not support; here that is an error.
    """
    key = json.dumps(schema, sort_keys=True)
    if key not in _GRAMMARS:
        llama_cpp = import_llama_cpp()
        try:
            _GRAMMARS[key] = llama_cpp.LlamaGrammar.from_json_schema(key, verbose=False)
        except Exception as exc:  # the converter raises bare Exceptions/ValueErrors on unsupported shapes
            raise LocalLLMError(f"the JSON schema cannot be turned into a llama.cpp grammar: {exc}") from None
    return _GRAMMARS[key]


def parse_json_object(raw: str) -> dict:
    """Parse the model's text as one JSON object; raise InvalidOutputError (keeping `raw`) otherwise.

    Tolerates a Markdown code fence around the object (models add one out of habit when a caller
    runs without a grammar); nothing else is repaired.
    """
    text = raw.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0].strip()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidOutputError(f"the model's output is not valid JSON ({exc.msg} at char {exc.pos})", raw) from None
    if not isinstance(value, dict):
        raise InvalidOutputError(f"the model's output is JSON {type(value).__name__}, expected an object", raw)
    return value


class LocalLLM:
    """A GGUF chat model in this process. Instances for the same file and window share one loaded model."""

    def __init__(self, model_path: Path, n_ctx: int = 4096, n_threads: int | None = None):
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1
        self._llama, self._lock = load_llama(self.model_path, self.n_ctx, self.n_threads)
        self._formatter = None  # the model's chat template, built on first use

    @classmethod
    def from_settings(cls, settings: Settings, progress=None) -> LocalLLM:
        """The model of AISCI_LOCAL_MODEL or the embedded one (installed on first use, see
        `agent.backends.local.installer.ensure_model`), with AISCI_LOCAL_CTX and AISCI_LOCAL_THREADS."""
        from agent.backends.local.installer import ensure_model

        path = ensure_model(settings, progress)
        return cls(path, n_ctx=settings.local_ctx, n_threads=settings.local_threads)

    @property
    def name(self) -> str:
        """The model file's name, for reports."""
        return self.model_path.name

    def reset_cache(self) -> None:
        """Forget the KV cache, so the next call reads its whole prompt (for benchmarks)."""
        with self._lock:
            self._llama.reset()

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` under the model's tokenizer (no BOS), for budgeting the context."""
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def prompt_tokens(self, system: str, user: str) -> int:
        """An upper estimate of the prompt tokens of a system + user chat (template markers included)."""
        return self.count_tokens(system) + self.count_tokens(user) + CHAT_OVERHEAD_TOKENS

    def _chat(self, system: str, user: str, max_tokens: int, grammar: Any | None) -> tuple[str, str, CallUsage]:
        needed = self.prompt_tokens(system, user) + max_tokens
        if needed > self.n_ctx:
            raise ContextOverflowError(
                f"prompt (~{needed - max_tokens} tokens) plus max_tokens={max_tokens} exceeds the "
                f"{self.n_ctx}-token context window of {self.name}; shorten the passages or raise AISCI_LOCAL_CTX"
            )
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        started = time.perf_counter()
        with self._lock:
            try:
                result = self._llama.create_chat_completion(
                    messages=messages, temperature=0.0, max_tokens=max_tokens, grammar=grammar
                )
            except ValueError as exc:  # llama-cpp-python's "Requested tokens exceed context window"
                raise ContextOverflowError(f"{self.name}: {exc}") from None
        choice, usage = result["choices"][0], result.get("usage") or {}
        return (choice["message"].get("content") or "", choice.get("finish_reason") or "",
                CallUsage(prompt_tokens=usage.get("prompt_tokens", 0), completion_tokens=usage.get("completion_tokens", 0),
                          seconds=round(time.perf_counter() - started, 3)))

    def continue_reply(self, system: str, user: str, reply: str, max_tokens: int, stop: list[str],
                       on_token: TokenCallback | None = None) -> tuple[str, str, CallUsage]:
        """Continue the assistant's `reply` (a prefix the caller wrote) to a system + user chat, in plain
        sampling (temperature 0), until a `stop` string or `max_tokens`: (text, finish reason, usage).

        This is how the local backend holds a small model to a shape without a grammar: the caller
        writes each line's start ("1. First,") and the model only finishes lines. Measured here,
        llama-cpp-python's grammar sampling checks the whole 151k-token vocabulary at every step and
        generates ~1.5x slower. Successive calls share their prefix, so llama.cpp reads only what is new.
        """
        prompt = self._chat_prompt(system, user) + reply
        needed = self.count_tokens(prompt) + max_tokens
        if needed > self.n_ctx:
            raise ContextOverflowError(
                f"prompt (~{needed - max_tokens} tokens) plus max_tokens={max_tokens} exceeds the "
                f"{self.n_ctx}-token context window of {self.name}; shorten the passages or raise AISCI_LOCAL_CTX"
            )
        started = time.perf_counter()
        pieces: list[str] = []
        finish, count = "", 0
        with self._lock:
            new = self._new_tokens(prompt)
            for chunk in self._llama.create_completion(prompt, max_tokens=max_tokens, temperature=0.0, stop=stop,
                                                       stream=True):
                choice = chunk["choices"][0]
                if choice.get("text"):
                    pieces.append(choice["text"])
                    count += 1
                    if on_token:
                        on_token(count, "".join(pieces))
                finish = choice.get("finish_reason") or finish
            prompt_tokens = max(0, self._llama.n_tokens - count)
        return "".join(pieces), finish, CallUsage(prompt_tokens=prompt_tokens, completion_tokens=count, prompt_new=new,
                                                  seconds=round(time.perf_counter() - started, 3))

    def _new_tokens(self, prompt: str) -> int:
        """How many of `prompt`'s tokens llama.cpp will read: those after the longest prefix it
        still holds in its KV cache (it always re-reads at least the last one)."""
        tokens = self._llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
        held = self._llama._input_ids[: self._llama.n_tokens]
        common = 0
        for mine, cached in zip(tokens, held, strict=False):
            if mine != cached:
                break
            common += 1
        return max(1, len(tokens) - common)

    def _chat_prompt(self, system: str, user: str) -> str:
        """The system + user chat in the model's own chat template, up to the assistant's turn."""
        if self._formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            template = self._llama.metadata.get("tokenizer.chat_template")
            if not template:
                raise LocalLLMError(f"{self.name} has no chat template in its metadata; use a chat (instruct) model")
            model = self._llama._model
            self._formatter = Jinja2ChatFormatter(
                template=template, eos_token=model.token_get_text(self._llama.token_eos()),
                bos_token=model.token_get_text(self._llama.token_bos()) if self._llama.token_bos() >= 0 else "")
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        return self._formatter(messages=messages).prompt

    def complete_json(self, system: str, user: str, schema: dict, max_tokens: int) -> tuple[dict, CallUsage]:
        """One chat call whose output is held to `schema` by a grammar; returns the parsed object.

        Greedy decoding (temperature 0). Put the shape in the schema (`minItems`, `enum` of passage
        ids, one required key per item), not in the prose: a small model takes every shortcut the
        grammar allows. Keep `system` and the passages at the start of `user` the same across calls
        so llama.cpp reuses their KV cache. Raises InvalidOutputError when the output is cut at
        `max_tokens` or is not a JSON object (the caller may retry), ContextOverflowError when the
        prompt does not fit.
        """
        raw, finish, usage = self._chat(system, user, max_tokens, _grammar(schema))
        if finish == "length":
            raise InvalidOutputError(
                f"the model stopped at max_tokens={max_tokens} before its JSON was complete", raw
            )
        return parse_json_object(raw), usage

    def complete_text(self, system: str, user: str, max_tokens: int) -> tuple[str, CallUsage]:
        """One plain-text chat call (temperature 0); same prompt-layout advice as `complete_json`."""
        raw, _, usage = self._chat(system, user, max_tokens, None)
        return raw.strip(), usage
