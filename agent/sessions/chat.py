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
    lines = [f"> {notice}" for notice in answer.notices] if first else []
    lines += answer.refused
    cited: list[str] = []
    for step in answer.workflow.steps:
        if answer.refused and step.text.startswith(NOT_COVERED_PHRASE):
            continue  # the refusal above already says it
        lines.append(cite(step))
        cited += [c for c in step.citations if c not in cited]
    by_id = {e.id: e for e in answer.evidence}
    sources = [f"[{c}] {by_id[c].source}" + (f", p. {by_id[c].page}" if by_id[c].page else "")
               for c in cited if c in by_id]
    if sources:
        lines.append("Sources: " + "; ".join(sources))
    # A guard note names dropped ids ("[S999]"); written bare so the reply's [S#] marks stay citations.
    lines += ["(note: " + _MARK.sub(r"\1", w) + ")" for w in answer.warnings if w.startswith("guard:")]
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
    def ask(self, message: str) -> ChatTurn:
        """Answer `message` from freshly retrieved passages, guarded like any answer."""
        from agent.answer.compose import assemble, build_context

        message = message.strip()
        if not message:
            raise AisciError("chat: expected a non-empty message")
        start = time.perf_counter()
        question = self.prompt.model_copy(update={"question": message})
        ctx = build_context(question, self.index, self.settings)
        retrieved = time.perf_counter() - start
        answer = assemble(ctx, self.backend.draft(ctx), self.backend.name)
        answer.usage.add_time("retrieve", retrieved)
        reply, cited = reply_for(answer, first=not self.turns)
        turn = ChatTurn(message, answer, reply, cited, round(time.perf_counter() - start, 3))
        self.turns.append(turn)
        self.events.append({
            "kind": "turn", "message": message, "reply": reply, "cited": cited, "refused": answer.refused,
            "warnings": answer.warnings, "seconds": turn.seconds, "answer": answer.model_dump(mode="json"),
        })
        return turn

    def handle(self, line: str) -> str | None:
        """Run one line: a slash command or a message. Returns what to show (None for a blank line).
        Errors (a bad image, an unwritable path, a failing backend) are shown, not raised."""
        text = line.strip()
        if not text:
            return None
        if not text.startswith("/"):
            try:
                return self.ask(text).reply
            except Exception as exc:  # noqa: BLE001 - the session goes on after a failed turn
                return self._note(text, f"error: {exc if isinstance(exc, AisciError) else repr(exc)}")
        command, _, arg = text.partition(" ")
        arg = arg.strip()
        try:
            output = self._command(command.lower(), arg)
        except (AisciError, OSError) as exc:
            output = f"error: {exc}"
        return self._note(text, output)

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
            return f"saved {json_path} and {md_path}"
        return f"unknown command {command}. {HELP}"

    def _note(self, command: str, output: str) -> str:
        self.events.append({"kind": "command", "command": command, "output": output})
        return output

    # --- commands --------------------------------------------------------------------------------
    def sources_table(self) -> str:
        """The index's sources as a Markdown table: what each is, and whether its full text is in."""
        rows = ["| source | kind | role | status | chunks | url |", "|---|---|---|---|---|---|"]
        for s in self.index.sources:
            rows.append(f"| {s.ref} | {s.kind} | {s.role} | {s.status} | {s.chunks} | {s.url} |")
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
        return "\n".join(result.warnings[before:]) or "demo: no recommended model can run here"

    # --- transcript ------------------------------------------------------------------------------
    def transcript(self) -> dict:
        """The session as JSON: the prompt, every turn (with its guarded answer) and command."""
        return {
            "prompt_id": self.prompt.id, "prompt_path": self.prompt.path, "question": self.prompt.question,
            "backend": self.backend.name, "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "events": self.events,
            "evidence": [e.model_dump(mode="json") for e in self.evidence()],
        }

    def transcript_markdown(self) -> str:
        """The session as Markdown: each turn and command, then the evidence quoted."""
        parts = [f"# Chat: {self.prompt.question}", "",
                 f"Prompt `{self.prompt.path}` ({self.prompt.id}) · backend: {self.backend.name}", ""]
        for event in self.events:
            if event["kind"] == "turn":
                parts += [f"**You:** {event['message']}", "", "**aisci:**", "", event["reply"], ""]
            else:
                parts += [f"**You:** `{event['command']}`", "", event["output"], ""]
        parts += ["## Evidence", "", self.evidence_text(), ""]
        return "\n".join(parts)

    def save(self, path: Path | str) -> tuple[Path, Path]:
        """Write the transcript as PATH.json and PATH.md (atomically); returns both paths."""
        path = Path(path)
        base = path.with_suffix("") if path.suffix.lower() in (".json", ".md") else path
        json_path, md_path = base.with_name(base.name + ".json"), base.with_name(base.name + ".md")
        atomic_write_text(json_path, json.dumps(self.transcript(), indent=2, ensure_ascii=False))
        atomic_write_text(md_path, self.transcript_markdown())
        return json_path, md_path
