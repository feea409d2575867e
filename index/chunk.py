"""Page-aware chunking with langchain-text-splitters; every chunk keeps its page and span."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter


@dataclass(frozen=True)
class Chunk:
    """A span `text == page_text[char_start:char_end]` of one page (page None: not from a PDF)."""

    chunk_id: str
    page: int | None
    char_start: int
    char_end: int
    text: str


def chunk_id(doc_key: str, page: int | None, start: int, end: int, text: str) -> str:
    """A global id derived from the document's content key, the position and the text."""
    digest = hashlib.sha256(f"{doc_key}|{page}|{start}|{end}|{text}".encode()).hexdigest()
    return f"c{digest[:24]}"


def make_splitter(chunk_size: int, chunk_overlap: int) -> RecursiveCharacterTextSplitter:
    """A splitter that prefers paragraph, line and sentence boundaries over word boundaries."""
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, chunk_size // 2),
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
        add_start_index=True,
    )


def chunk_pages(
    doc_key: str, pages: list[tuple[int | None, str]], chunk_size: int = 900, chunk_overlap: int = 120
) -> list[Chunk]:
    """Split each page separately (a chunk never spans two pages) and give every piece its id."""
    splitter = make_splitter(chunk_size, chunk_overlap)
    chunks: list[Chunk] = []
    for page, text in pages:
        if not text.strip():
            continue
        for doc in splitter.create_documents([text]):
            start = int(doc.metadata["start_index"])
            piece = doc.page_content
            if start < 0 or text[start : start + len(piece)] != piece:
                start = text.find(piece)  # the splitter's own search failed: look again from the top
            end = start + len(piece)
            chunks.append(Chunk(chunk_id(doc_key, page, start, end, piece), page, start, end, piece))
    return chunks
