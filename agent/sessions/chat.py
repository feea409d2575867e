"""Chat sessions grounded in one prompt's sources (`ChatSession`, and `aisci chat`).

Every turn retrieves again from the prompt's index for the new message, lets the backend draft,
and assembles through the same code and guard as `aisci answer` (the message stands in for the
question; the models, papers and allowed links stay the prompt's). The reply is the answer's
cited sentences, with the "not covered" statement for anything the sources do not cover.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from agent.answer.render import cite, demo_lines, evidence_line
from agent.answer.schema import Answer, Evidence
from agent.settings import Settings
from prompts import AisciError, Prompt
from prompts.files import atomic_write_text
from prompts.instructions import NOT_COVERED_PHRASE
from prompts.progress import Progress
from prompts.sanitize import markdown_cell, markdown_text, sanitize

_MARK = re.compile(r"\[(S\d+)\]")
HELP = ("Commands: /sources (the indexed sources), /evidence (passages cited so far), /demo [IMAGE] "
        "(run the recommended model), /save PATH (transcript as PATH.json and PATH.md), /help, /quit.")


@dataclass
class ChatTurn:
    """One exchange: the user's message, the guarded answer behind the reply, and the reply text."""

    message: str
    answer: Answer
    reply: str
    cited: list[str]
    seconds: float


def reply_for(answer: Answer, first: bool = False) -> tuple[str, list[str]]:
    """(reply text, ids it cites): refusals, then the cited sentences, then their sources."""
    # The reply is Markdown (it goes into the transcript as it is): data in it is escaped.
    lines = [f"> {markdown_text(notice)}" for notice in answer.notices] if first else []
    lines += [markdown_text(r) for r in answer.refused]
    cited: list[str] = []
    for step in [*answer.workflow.direct_answer, *answer.workflow.steps]:
        if answer.refused and step.text.startswith(NOT_COVERED_PHRASE):
            continue  # the refusal above already says it
        lines.append(cite(step))
        cited += [c for c in step.citations if c not in cited]
    by_id = {e.id: e for e in answer.evidence}
    sources = [f"[{c}] {markdown_text(by_id[c].source)}" + (f", p. {by_id[c].page}" if by_id[c].page else "")
               for c in cited if c in by_id]
    if sources:
        lines.append("Sources: " + "; ".join(sources))
    # A guard note names dropped ids ("[S999]"); written bare so the reply's [S#] marks stay citations.
    lines += ["(note: " + markdown_text(_MARK.sub(r"\1", w)) + ")" for w in answer.warnings if w.startswith("guard:")]
    return "\n".join(lines), cited


class ChatSession:
    """A multi-turn session about `prompt`, held to its sources. `ask(message)` answers a turn;
    `handle(line)` also understands the slash commands (see HELP)."""

    def __init__(self, prompt: Prompt, settings: Settings, backend, index=None):
        self.prompt = prompt
        self.settings = settings
        self.backend = backend
        self._index = index
        self.turns: list[ChatTurn] = []
        self.events: list[dict] = []  # turns and commands, in order (the transcript)
        self.closed = False

    @property
    def index(self):
        """The prompt's index, built on first use (cached sources make this cheap the second time)."""
        if self._index is None:
            from index import QuestionIndex

            self._index = QuestionIndex.build(self.prompt, self.settings.index_config())
        return self._index

    # --- turns -----------------------------------------------------------------------------------
    def ask(self, message: str, progress: Progress | None = None) -> ChatTurn:
        """Answer `message` from freshly retrieved passages, guarded like any answer (long steps
        are reported to `progress`)."""
        from agent.answer.compose import assemble, build_context

        # The message stands in for the question: data like the question, sanitized the same way.
        message = sanitize(message.strip(), self.prompt.is_allowed_link)
        if not message:
            raise AisciError("chat: expected a non-empty message")
        start = time.perf_counter()
        question = self.prompt.model_copy(update={"question": message})
        ctx = build_context(question, self.index, self.settings)
        ctx.parts = ("workflow",)  # the reply is part 2's sentences: nothing else needs writing
        retrieved = time.perf_counter() - start
        answer = assemble(ctx, self.backend.draft(ctx, progress=progress), self.backend.name)
        answer.usage.add_time("retrieve", retrieved)
        reply, cited = reply_for(answer, first=not self.turns)
        turn = ChatTurn(message, answer, reply, cited, round(time.perf_counter() - start, 3))
        self.turns.append(turn)
        self.events.append({
            "kind": "turn", "message": message, "reply": reply, "cited": cited, "refused": answer.refused,
            "warnings": answer.warnings, "seconds": turn.seconds, "answer": answer.model_dump(mode="json"),
        })
        return turn

    def handle(self, line: str, progress: Progress | None = None) -> str | None:
        """Run one line: a slash command or a message. Returns what to show (None for a blank line).
        Errors (a bad image, an unwritable path, a failing backend) are shown, not raised."""
        text = line.strip()
        if not text:
            return None
        if not text.startswith("/"):
            try:
                return self.ask(text, progress).reply
            except Exception as exc:  # noqa: BLE001 - the session goes on after a failed turn
                error = f"error: {exc if isinstance(exc, AisciError) else repr(exc)}"
                allowed = self.prompt.is_allowed_link
                return self._note(sanitize(text, allowed), markdown_text(sanitize(error, allowed)))
        command, _, arg = text.partition(" ")
        arg = arg.strip()
        try:
            output = self._command(command.lower(), arg)
        except (AisciError, OSError) as exc:
            output = markdown_text(f"error: {sanitize(str(exc), self.prompt.is_allowed_link)}")
        return self._note(sanitize(text, self.prompt.is_allowed_link), output)

    def _command(self, command: str, arg: str) -> str:
        if command in ("/quit", "/exit"):
            self.closed = True
            return "bye"
        if command == "/help":
            return HELP
        if command == "/sources":
            return self.sources_table()
        if command == "/evidence":
            return self.evidence_text()
        if command == "/demo":
            return self.demo(Path(arg) if arg else None)
        if command == "/save":
            if not arg:
                return "usage: /save PATH"
            json_path, md_path = self.save(Path(arg))
            return markdown_text(sanitize(f"saved {json_path} and {md_path}", self.prompt.is_allowed_link))
        return f"unknown command {command}. {HELP}"

    def _note(self, command: str, output: str) -> str:
        self.events.append({"kind": "command", "command": command, "output": output})
        return output

    # --- commands --------------------------------------------------------------------------------
    def sources_table(self) -> str:
        """The index's sources as a Markdown table: what each is, and whether its full text is in."""
        rows = ["| source | kind | role | status | chunks | url |", "|---|---|---|---|---|---|"]
        for s in self.index.sources:
            cells = [markdown_cell(sanitize(str(v), self.prompt.is_allowed_link))
                     for v in (s.ref, s.kind, s.role, s.status, s.chunks, s.url)]
            rows.append("| " + " | ".join(cells) + " |")
        return "\n".join(rows)

    def evidence(self) -> list[Evidence]:
        """The passages cited in the replies so far, first-cited first."""
        found: dict[str, Evidence] = {}
        for turn in self.turns:
            by_id = {e.id: e for e in turn.answer.evidence}
            for cid in turn.cited:
                if cid in by_id:
                    found.setdefault(cid, by_id[cid])
        return list(found.values())

    def evidence_text(self) -> str:
        """The cited passages, quoted with source and page."""
        return "\n".join(evidence_line(ev, "[{}]") for ev in self.evidence()) or "No passage has been cited yet."

    def demo(self, image: Path | None = None) -> str:
        """Run the workflow's model through the SR tool (the bundled sample without an image)."""
        from agent.answer.compose import assemble, build_context, run_demo
        from agent.backends.extractive import ExtractiveBackend

        if self.turns:
            base = self.turns[-1].answer
        else:  # the workflow does not depend on the backend: no LLM call for a demo
            ctx = build_context(self.prompt, self.index, self.settings)
            base = assemble(ctx, ExtractiveBackend().draft(ctx), "extractive")
        before = len(base.warnings)
        result = run_demo(base.model_copy(deep=True), self.settings, image,
                          self.settings.output_dir / self.prompt.id / "chat-demo")
        if result.demo:
            return "\n".join(demo_lines(result.demo))
        notes = [markdown_text(sanitize(w, self.prompt.is_allowed_link)) for w in result.warnings[before:]]
        return "\n".join(notes) or "demo: no recommended model can run here"

    # --- transcript ------------------------------------------------------------------------------
    def transcript(self) -> dict:
        """The session as JSON: the prompt, every turn (with its guarded answer) and command."""
        return {
            "prompt_id": self.prompt.id, "prompt_path": self.prompt.path,
            "question": sanitize(self.prompt.question, self.prompt.is_allowed_link),
            "backend": self.backend.name, "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "events": self.events,
            "evidence": [e.model_dump(mode="json") for e in self.evidence()],
        }

    def transcript_markdown(self) -> str:
        """The session as Markdown: each turn and command, then the evidence quoted."""
        question = markdown_text(sanitize(self.prompt.question, self.prompt.is_allowed_link))
        parts = [f"# Chat: {question}", "",
                 f"Prompt {markdown_text(self.prompt.path)} ({self.prompt.id}) · backend: {self.backend.name}", ""]
        for event in self.events:  # replies and command outputs are Markdown already (data escaped)
            if event["kind"] == "turn":
                parts += [f"**You:** {markdown_text(event['message'])}", "", "**aisci:**", "", event["reply"], ""]
            else:
                parts += [f"**You:** {markdown_text(event['command'])}", "", event["output"], ""]
        parts += ["## Evidence", "", self.evidence_text(), ""]
        return "\n".join(parts)

    def save(self, path: Path | str) -> tuple[Path, Path]:
        """Write the transcript as PATH.json and PATH.md (atomically); returns both paths. A folder
        (`.`, `/`, an existing directory) or an unwritable place is an AisciError, one line."""
        path = Path(path)
        if path.name in ("", ".", "..") or path.is_dir():
            raise AisciError(f"save {path}: expected a file name such as chat (writes chat.json and chat.md), "
                             "found a folder")
        base = path.with_suffix("") if path.suffix.lower() in (".json", ".md") else path
        json_path, md_path = base.with_name(base.name + ".json"), base.with_name(base.name + ".md")
        try:
            atomic_write_text(json_path, json.dumps(self.transcript(), indent=2, ensure_ascii=False))
            atomic_write_text(md_path, self.transcript_markdown())
        except OSError as exc:
            raise AisciError(f"save {path}: cannot write the transcript there ({exc.strerror or exc})") from None
        return json_path, md_path
