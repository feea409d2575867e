"""arXiv abstracts: the bundled CC0 records of the SR zoo's own papers, and the arXiv API's Atom."""

from __future__ import annotations

import functools
import json
import xml.etree.ElementTree as ET
from importlib import resources
from urllib.parse import quote

from pydantic import BaseModel

_ATOM = "{http://www.w3.org/2005/Atom}"


class ArxivRecord(BaseModel):
    """Title, authors and abstract of one arXiv paper."""

    arxiv_id: str
    title: str
    authors: list[str] = []
    abstract: str


@functools.cache
def bundled_records() -> dict[str, ArxivRecord]:
    """The arXiv metadata shipped in index/data/arxiv_metadata.json (CC0), by arXiv id."""
    text = resources.files("index").joinpath("data/arxiv_metadata.json").read_text("utf-8")
    return {r["arxiv_id"]: ArxivRecord.model_validate(r) for r in json.loads(text)["records"]}


def bundled_record(arxiv_id: str) -> ArxivRecord | None:
    """The bundled record of `arxiv_id`, if the project ships one."""
    return bundled_records().get(arxiv_id)


def api_url(base_url: str, arxiv_id: str) -> str:
    """The arXiv API query for one id under `base_url`."""
    return f"{base_url.rstrip('/')}/api/query?id_list={quote(arxiv_id, safe='')}"


def parse_api_answer(data: bytes, arxiv_id: str) -> ArxivRecord:
    """The record of `arxiv_id` in an arXiv API Atom answer. Raises ValueError when it has none."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"arXiv API answer is not Atom XML ({exc})") from None
    for entry in root.iter(f"{_ATOM}entry"):
        entry_id = (entry.findtext(f"{_ATOM}id") or "").strip()
        summary = " ".join((entry.findtext(f"{_ATOM}summary") or "").split())
        title = " ".join((entry.findtext(f"{_ATOM}title") or "").split())
        if arxiv_id not in entry_id or not summary or title.lower() == "error":
            continue
        authors = [" ".join((a.findtext(f"{_ATOM}name") or "").split()) for a in entry.iter(f"{_ATOM}author")]
        return ArxivRecord(arxiv_id=arxiv_id, title=title, authors=[a for a in authors if a], abstract=summary)
    raise ValueError(f"arXiv API answer has no entry for {arxiv_id}")
