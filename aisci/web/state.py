"""What the server holds: how it was started, the prompts it offers, each browser's session
(uploaded prompts, chat sessions) and the indexes built so far.

A page names a prompt only by a key from the catalog (a file listed server-side) or from its own
uploads; no path sent by a client is ever opened. Everything is bounded (sessions, uploads, chats,
indexes); the oldest is dropped first.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from agent.settings import Settings
from prompts import AisciError, Prompt, load

MAX_SESSIONS = 64
MAX_UPLOADS = 8
MAX_CHATS = 8
MAX_INDEXES = 4
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,80}$")


class NotFound(AisciError):
    """A key (prompt, job, file) that this server does not know."""


@dataclass
class WebConfig:
    """How `aisci serve` was started."""

    settings: Settings
    backend: object
    backend_reason: str
    prompts_dir: Path
    host: str = "127.0.0.1"
    port: int = 7860

    @property
    def max_upload_bytes(self) -> int:
        return int(self.settings.web_max_upload_mb * 1_000_000)


@dataclass
class CatalogEntry:
    key: str
    file: str
    prompt: Prompt | None
    error: str | None = None


class PromptCatalog:
    """The prompt files of one folder, read once at start (a malformed one is listed with its error)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise AisciError(f"--prompts {folder}: expected a folder of prompt files (*.txt)")
        self.entries: OrderedDict[str, CatalogEntry] = OrderedDict()
        for path in sorted(p for p in self.folder.glob("*.txt") if p.is_file()):
            key = path.stem if _KEY.match(path.stem) else f"file{len(self.entries)}"
            try:
                self.entries[key] = CatalogEntry(key, path.name, load(path))
            except AisciError as exc:
                self.entries[key] = CatalogEntry(key, path.name, None, str(exc))
        if not self.entries:
            raise AisciError(f"--prompts {folder}: expected at least one prompt file (*.txt)")

    def get(self, key: str) -> Prompt:
        entry = self.entries.get(key)
        if entry is None:
            raise NotFound(f"no prompt {key!r} in {self.folder.name}")
        if entry.prompt is None:
            raise AisciError(entry.error or f"{entry.file}: cannot be read")
        return entry.prompt


@dataclass
class BrowserSession:
    """One browser's state: its uploaded prompts and one chat session per prompt."""

    id: str
    uploads: OrderedDict[str, Prompt] = field(default_factory=OrderedDict)
    chats: OrderedDict[str, object] = field(default_factory=OrderedDict)
    last_seen: float = field(default_factory=time.time)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_upload(self, prompt: Prompt) -> str:
        key = f"upload:{prompt.id}"
        self.uploads[key] = prompt
        self.uploads.move_to_end(key)
        while len(self.uploads) > MAX_UPLOADS:
            self.uploads.popitem(last=False)
        return key

    def chat(self, key: str, make) -> object:
        """The chat session about prompt `key` (made by `make()` the first time, on the LLM worker)."""
        with self._lock:
            chat = self.chats.get(key)
        if chat is None:
            chat = make()
        with self._lock:
            chat = self.chats.setdefault(key, chat)
            self.chats.move_to_end(key)
            while len(self.chats) > MAX_CHATS:
                self.chats.popitem(last=False)
        return chat

    def get_chat(self, key: str) -> object | None:
        with self._lock:
            return self.chats.get(key)


class SessionStore:
    """Browser sessions by cookie value, at most MAX_SESSIONS (the least recently seen goes first)."""

    def __init__(self, limit: int = MAX_SESSIONS):
        self.limit = limit
        self._sessions: OrderedDict[str, BrowserSession] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sid: str | None) -> tuple[BrowserSession, bool]:
        """(session, created): the session of cookie `sid`, or a fresh one."""
        with self._lock:
            if sid and sid in self._sessions:
                session = self._sessions[sid]
                self._sessions.move_to_end(sid)
                session.last_seen = time.time()
                return session, False
            session = BrowserSession(id=secrets.token_urlsafe(18))
            self._sessions[session.id] = session
            while len(self._sessions) > self.limit:
                self._sessions.popitem(last=False)
            return session, True


class IndexCache:
    """The indexes built so far, by prompt id (used from the LLM worker thread only)."""

    def __init__(self, settings: Settings, limit: int = MAX_INDEXES):
        self.settings = settings
        self.limit = limit
        self._indexes: OrderedDict[str, object] = OrderedDict()

    def get(self, prompt: Prompt, progress=None):
        from index import QuestionIndex

        if prompt.id not in self._indexes:
            self._indexes[prompt.id] = QuestionIndex.build(prompt, self.settings.index_config(), progress=progress)
            while len(self._indexes) > self.limit:
                self._indexes.popitem(last=False)
        self._indexes.move_to_end(prompt.id)
        return self._indexes[prompt.id]


def resolve_prompt(catalog: PromptCatalog, session: BrowserSession, key: str) -> Prompt:
    """The prompt a page names by `key`: one of the catalog's, or one this browser uploaded."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise NotFound("expected a prompt key from the list")
    if key.startswith("upload:"):
        prompt = session.uploads.get(key)
        if prompt is None:
            raise NotFound("that uploaded prompt is no longer held by the server; upload it again")
        return prompt
    return catalog.get(key)
