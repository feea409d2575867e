"""Routes of the Ask, Chat and Sources areas: prompts (listed, uploaded), answers written part by
part, grounded chat turns, the index's source table, and the downloads of each.

Answers come from `agent.answer.compose.answer_prompt` (its `on_part` hands over guarded answers
only) and chat turns from `agent.sessions.chat.ChatSession.ask`; both run on the LLM queue.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import Response

from agent.answer.render import to_json, to_markdown
from agent.backends import PARTS
from aisci.web.answer_html import answer_fragments, chat_reply_html, e, headings, sources_html
from aisci.web.app import Browser, State, WebState, page_request
from aisci.web.images import check_bytes, safe_stem
from aisci.web.state import BrowserSession, NotFound, resolve_prompt
from prompts import AisciError, Prompt, parse


def prompt_card(state: WebState, key: str, prompt: Prompt) -> dict:
    """What the page shows of a prompt: question, headings, models (with what can run), papers."""
    from aisci.web.run_model import model_options

    return {
        "key": key, "id": prompt.id, "file": prompt.path, "question_html": e(prompt.question),
        "headings": headings(prompt), "warnings": prompt.warnings,
        "models": model_options(prompt, state.config.settings),
        "papers": [{"title_html": e(p.title)} for p in prompt.papers],
    }


def _download(text: str, filename: str, media_type: str) -> Response:
    return Response(text, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def add_routes(app: FastAPI) -> None:
    @app.get("/api/prompts")
    def list_prompts(state: State, session: Browser):
        items = [{"key": entry.key, "file": entry.file, "error": entry.error,
                  "label": entry.file if entry.prompt is None else f"{entry.file} — {entry.prompt.question}"}
                 for entry in state.catalog.entries.values()]
        items += [{"key": key, "file": p.path, "error": None, "label": f"uploaded: {p.path} — {p.question}"}
                  for key, p in session.uploads.items()]
        return {"prompts": items}

    @app.get("/api/prompts/{key}")
    def show_prompt(key: str, state: State, session: Browser):
        return prompt_card(state, key, resolve_prompt(state.catalog, session, key))

    @app.post("/api/prompts", dependencies=[Depends(page_request)])
    async def upload_prompt(request: Request, file: Annotated[UploadFile, File()], state: State,
                            session: Browser):
        limit = state.config.max_upload_bytes
        data = await file.read(limit + 1)
        check_bytes(len(data), limit, "prompt file")
        name = f"{safe_stem(file.filename)}.txt"
        prompt = parse(data, path=name)  # PromptFormatError: the reader's own one line
        key = session.add_upload(prompt)
        return prompt_card(state, key, prompt)

    @app.post("/api/answer", dependencies=[Depends(page_request)])
    def start_answer(key: Annotated[str, Form()], state: State, session: Browser):
        prompt = resolve_prompt(state.catalog, session, key)
        config = state.config

        def run(job):
            from agent.answer.compose import answer_prompt

            index = state.indexes.get(prompt, progress=job.progress)
            job.progress("retrieve passages and write the answer")
            shown: list[str] = []

            def on_part(part: str, answer) -> None:
                shown.append(part)
                job.emit({"type": "part", "part": part, **answer_fragments(answer, prompt, [part])})

            answer = answer_prompt(prompt, config.settings, config.backend, index=index, progress=job.progress,
                                   on_part=on_part)
            job.data["answer"] = answer
            return {"fragments": answer_fragments(answer, prompt, list(PARTS)),
                    "sources": sources_html(index.sources, prompt), "backend": answer.backend}

        job = state.llm.submit("answer", session.id, run, prompt=prompt)
        return state.llm.snapshot(job)

    @app.get("/api/answer/{job_id}/{name}")
    def download_answer(job_id: str, name: str, state: State,
                        session: Browser):
        _, job = state.job(job_id, session.id)
        answer, prompt = job.data.get("answer"), job.data.get("prompt")
        if answer is None:
            raise NotFound("that answer is not finished")
        if name == "answer.md":
            return _download(to_markdown(answer, prompt), f"answer-{prompt.id}.md", "text/markdown; charset=utf-8")
        if name == "answer.json":
            text = json.dumps(to_json(answer, prompt), indent=2, ensure_ascii=False)
            return _download(text, f"answer-{prompt.id}.json", "application/json")
        raise NotFound(f"no download {name!r}; expected answer.md or answer.json")

    def chat_of(state: WebState, session: BrowserSession, key: str, prompt: Prompt, progress=None):
        from agent.sessions.chat import ChatSession

        config = state.config
        return session.chat(key, lambda: ChatSession(prompt, config.settings, config.backend,
                                                     index=state.indexes.get(prompt, progress=progress)))

    @app.post("/api/chat", dependencies=[Depends(page_request)])
    def start_chat(key: Annotated[str, Form()], message: Annotated[str, Form(max_length=4000)], state: State,
                   session: Browser):
        prompt = resolve_prompt(state.catalog, session, key)
        text = message.strip()
        if not text:
            raise AisciError("chat: expected a non-empty message")

        def run(job):
            chat = chat_of(state, session, key, prompt, job.progress)
            turn = chat.ask(text)
            return {"message_html": e(text), "reply_html": chat_reply_html(turn.reply, turn.answer),
                    "cited": turn.cited, "seconds": turn.seconds,
                    "sources": sources_html(chat.index.sources, prompt)}

        job = state.llm.submit("chat", session.id, run)
        return state.llm.snapshot(job)

    @app.get("/api/chat/{key}/history")
    def chat_history(key: str, state: State, session: Browser):
        chat = session.get_chat(key)
        turns = [] if chat is None else chat.turns
        return {"turns": [{"message_html": e(t.message), "reply_html": chat_reply_html(t.reply, t.answer)}
                          for t in turns]}

    @app.get("/api/chat/{key}/{name}")
    def chat_transcript(key: str, name: str, state: State,
                        session: Browser):
        chat = session.get_chat(key)
        if chat is None or not chat.turns:
            raise NotFound("nothing to save yet: ask a question in Chat first")
        if name == "transcript.md":
            return _download(chat.transcript_markdown(), f"chat-{chat.prompt.id}.md", "text/markdown; charset=utf-8")
        if name == "transcript.json":
            text = json.dumps(chat.transcript(), indent=2, ensure_ascii=False)
            return _download(text, f"chat-{chat.prompt.id}.json", "application/json")
        raise NotFound(f"no download {name!r}; expected transcript.md or transcript.json")

    @app.post("/api/sources", dependencies=[Depends(page_request)])
    def start_sources(key: Annotated[str, Form()], state: State, session: Browser):
        prompt = resolve_prompt(state.catalog, session, key)

        def run(job):
            index = state.indexes.get(prompt, progress=job.progress)
            return {"sources": sources_html(index.sources, prompt), "passages": len(index.passages())}

        job = state.llm.submit("sources", session.id, run)
        return state.llm.snapshot(job)
