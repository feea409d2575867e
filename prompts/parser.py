"""Read prompt files (the format of prompts/set/*.txt) into `Prompt` objects.

The reader accepts what real prompt files contain (CRLF, stray whitespace, missing optional lines,
duplicates, non-ASCII text) and rejects everything else with a `PromptFormatError` that names the
file, the line and what was expected. No other exception escapes `parse`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from prompts.errors import PromptFormatError
from prompts.links import arxiv_id, is_http_url, normalize_url
from prompts.model import ModelRef, PaperRef, Prompt
from prompts.text import display_path

log = logging.getLogger(__name__)

MAX_PROMPT_BYTES = 1_000_000

_MODELS_HEADER = re.compile(r"^\s*#*\s*recommended\s+ai\s+models?\s*:?\s*$", re.IGNORECASE)
_PAPERS_HEADER = re.compile(r"^\s*#*\s*related\s+papers?\s*:?\s*$", re.IGNORECASE)
_ANSWER_LINE = re.compile(r"^\s*answer\s*:\s*$", re.IGNORECASE)
_FIELD = re.compile(r"^\s*(model|title|paper|github|code|summary)\s*:\s?(.*)$", re.IGNORECASE)
_INSTRUCTION = re.compile(r"^\s*(\d+)[.)]\s+(\S.*)$")
_QUOTED_LINE = re.compile(r'^\s*["“](.*)["”]\s*$')
_QUOTED_SPAN = re.compile(r'["“]([^"“”]+)["”]', re.DOTALL)


@dataclass
class _Entry:
    """An entry being read: the line of its `Model:` and its fields with their line numbers."""

    line: int
    name: str
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)
    last_key: str = "model"


def prompt_id(text: str) -> str:
    """Stable id of a prompt: the first 16 hex digits of the sha256 of its text with LF endings."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_SPECIAL_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                  (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str | None:
    """What a non-regular file is ("a directory", "a FIFO (named pipe)", ...), None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    return next((name for test, name in _SPECIAL_KINDS if test(mode)), "a special file")


def read_prompt_bytes(path: str | Path) -> bytes:
    """The bytes of a prompt file, at most MAX_PROMPT_BYTES. Only a regular file is read: a FIFO would
    hang and /dev/zero never ends, so anything else is a `PromptFormatError` (one line), and the
    file is opened non-blocking and checked again, in case it was swapped after the first look."""
    path = Path(path)
    shown = display_path(path)
    try:
        kind = _kind(os.stat(path).st_mode)
        if kind is not None:
            raise PromptFormatError(shown, 0, f"expected a regular prompt file, found {kind}")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            kind = _kind(info.st_mode)
            if kind is not None:
                raise PromptFormatError(shown, 0, f"expected a regular prompt file, found {kind}")
            if info.st_size > MAX_PROMPT_BYTES:
                raise PromptFormatError(shown, 0, f"file is {info.st_size} bytes; expected at most {MAX_PROMPT_BYTES}")
            data = handle.read(MAX_PROMPT_BYTES + 1)  # a file growing while it is read stays bounded
    except OSError as exc:
        raise PromptFormatError(shown, 0, f"cannot read the file ({exc.strerror or exc})") from None
    if len(data) > MAX_PROMPT_BYTES:
        raise PromptFormatError(shown, 0, f"file is over {MAX_PROMPT_BYTES} bytes")
    return data


def load(path: str | Path) -> Prompt:
    """Read and parse one prompt file. Raises `PromptFormatError` for anything malformed, for a file
    that is not a regular file, and for one that cannot be read."""
    if not isinstance(path, (str, os.PathLike)):
        raise PromptFormatError(repr(path)[:80], 0, "expected the path of a prompt file")
    return parse(read_prompt_bytes(path), path=display_path(Path(path)))


def load_set(directory: str | Path) -> list[Prompt]:
    """Parse every `*.txt` prompt in `directory`, sorted by file name."""
    directory = Path(directory)
    if not directory.is_dir():
        raise PromptFormatError(str(directory), 0, "expected a directory of prompt files (*.txt)")
    files = sorted(p for p in directory.glob("*.txt") if p.is_file())
    if not files:
        raise PromptFormatError(str(directory), 0, "expected at least one prompt file (*.txt)")
    return [load(p) for p in files]


def parse(data: str | bytes, path: str = "<prompt>") -> Prompt:
    """Parse prompt text (or raw bytes). Raises `PromptFormatError` naming `path` and the line."""
    text = _decode(data, path)
    lines = text.split("\n")
    models_at = _find_line(lines, _MODELS_HEADER)
    if models_at is None:
        raise PromptFormatError(path, 0, "expected a '### Recommended AI Models:' section")
    papers_at = _find_line(lines, _PAPERS_HEADER, start=models_at + 1)
    head = lines[:models_at]
    question = _question(head, path)
    instructions = [m.group(2).strip() for ln in head if (m := _INSTRUCTION.match(ln))]
    warnings: list[str] = []

    model_end = papers_at if papers_at is not None else _section_end(lines, models_at + 1)
    model_entries = _entries(lines, models_at + 1, model_end, path, warnings)
    if not model_entries:
        raise PromptFormatError(path, models_at + 1, "expected at least one 'Model:' entry under Recommended AI Models")
    models = [_model_ref(e, path) for e in model_entries]

    papers: list[PaperRef] = []
    if papers_at is not None:
        paper_end = _section_end(lines, papers_at + 1)
        seen: dict[str, int] = {}
        for entry in _entries(lines, papers_at + 1, paper_end, path, warnings):
            paper = _paper_ref(entry, path)
            key = _paper_key(paper.paper_url)
            if key in seen:
                message = f"{path}:{entry.line}: paper '{paper.title}' is listed twice (first at line {seen[key]}); kept the first"
                log.warning(message)
                warnings.append(message)
                continue
            seen[key] = entry.line
            papers.append(paper)

    return Prompt(
        id=prompt_id(text),
        path=path,
        question=question,
        instructions=instructions,
        models=models,
        papers=papers,
        warnings=warnings,
    )


def _decode(data: str | bytes, path: str) -> str:
    if isinstance(data, bytes):
        if len(data) > MAX_PROMPT_BYTES:
            raise PromptFormatError(path, 0, f"file is {len(data)} bytes; expected at most {MAX_PROMPT_BYTES}")
        if b"\x00" in data:
            raise PromptFormatError(path, 0, "expected a UTF-8 text file, found binary data (NUL bytes)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise PromptFormatError(path, line, "expected UTF-8 text, found bytes that are not UTF-8") from None
    else:
        text = data.removeprefix("\ufeff")
        if len(text.encode("utf-8", "surrogatepass")) > MAX_PROMPT_BYTES:
            raise PromptFormatError(path, 0, f"text is over {MAX_PROMPT_BYTES} bytes")
        if "\x00" in text:
            raise PromptFormatError(path, 0, "expected text, found NUL characters")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise PromptFormatError(path, 0, "the file is empty; expected a prompt")
    return text


def _find_line(lines: list[str], pattern: re.Pattern[str], start: int = 0) -> int | None:
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            return i
    return None


def _section_end(lines: list[str], start: int) -> int:
    answer = _find_line(lines, _ANSWER_LINE, start)
    return answer if answer is not None else len(lines)


def _question(head: list[str], path: str) -> str:
    for line in head:
        match = _QUOTED_LINE.match(line)
        if match and match.group(1).strip():
            return " ".join(match.group(1).split())
    match = _QUOTED_SPAN.search("\n".join(head))
    if match and match.group(1).strip():
        return " ".join(match.group(1).split())
    raise PromptFormatError(path, 0, 'expected the user\'s question in double quotes ("...") before the models section')


def _entries(lines: list[str], start: int, end: int, path: str, warnings: list[str]) -> list[_Entry]:
    """Group the lines of a section into entries, each opened by a `Model:` (or `Title:`) line."""
    entries: list[_Entry] = []
    current: _Entry | None = None
    for i in range(start, end):
        line, lineno = lines[i], i + 1
        if not line.strip():
            continue
        match = _FIELD.match(line)
        if match:
            key = match.group(1).lower()
            key = {"title": "model", "code": "github"}.get(key, key)
            value = match.group(2).strip()
            if key == "model":
                if not value:
                    raise PromptFormatError(path, lineno, "expected a name after 'Model:'")
                current = _Entry(line=lineno, name=" ".join(value.split()))
                entries.append(current)
                continue
            if current is None:
                raise PromptFormatError(path, lineno, f"expected a 'Model:' line before '{match.group(1)}:'")
            if key in current.fields:
                raise PromptFormatError(path, lineno, f"expected one '{match.group(1)}:' line per entry, found a second")
            current.fields[key] = (value, lineno)
            current.last_key = key
        elif current is not None and current.last_key == "summary":
            value, first = current.fields["summary"]
            current.fields["summary"] = ((value + " " + line.strip()).strip(), first)
        else:
            message = f"{path}:{lineno}: ignored a line that is not 'Model:', 'Paper:', 'GitHub:' or 'Summary:'"
            log.warning(message)
            warnings.append(message)
    return entries


def _link(entry: _Entry, key: str, path: str, required: bool) -> str | None:
    label = {"paper": "Paper", "github": "GitHub"}[key]
    if key not in entry.fields:
        if required:
            raise PromptFormatError(path, entry.line, f"entry '{entry.name}' has no '{label}:' line; expected its paper URL")
        return None
    value, lineno = entry.fields[key]
    if not value:
        if required:
            raise PromptFormatError(path, lineno, f"expected a URL after '{label}:'")
        return None
    if not is_http_url(value):
        raise PromptFormatError(
            path, lineno, f"expected an http(s) URL after '{label}:' (a plain one: no spaces, invisible characters, "
            f"user info or backslashes), found {value[:80]!r}"
        )
    return value


def _model_ref(entry: _Entry, path: str) -> ModelRef:
    return ModelRef(
        name=entry.name,
        paper_url=_link(entry, "paper", path, required=True),
        github_url=_link(entry, "github", path, required=False),
    )


def _paper_ref(entry: _Entry, path: str) -> PaperRef:
    summary = entry.fields.get("summary", ("", 0))[0].strip() or None
    return PaperRef(
        title=entry.name,
        paper_url=_link(entry, "paper", path, required=True),
        github_url=_link(entry, "github", path, required=False),
        summary=summary,
    )


def _paper_key(url: str) -> str:
    """Two listings are the same paper when they share an arXiv id or a normalised URL."""
    ident = arxiv_id(url)
    return f"arxiv:{ident}" if ident else normalize_url(url)
