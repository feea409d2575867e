"""index/chunk.py: page-aware chunks with exact spans and content-derived ids."""

from __future__ import annotations

from synthetic_pdf import paper_pages

from index.chunk import chunk_id, chunk_pages


def test_spans_are_exact_and_pages_kept():
    pages = [(n, text) for n, text in enumerate(paper_pages(5, 3), start=1)]
    chunks = chunk_pages("doc", pages, chunk_size=600, chunk_overlap=80)
    assert {c.page for c in chunks} == {1, 2, 3}
    for c in chunks:
        assert pages[c.page - 1][1][c.char_start : c.char_end] == c.text
        assert len(c.text) <= 600
    # In order, no text lost between neighbours (at most the separating space), sentence ends preferred.
    page1 = [c for c in chunks if c.page == 1]
    assert all(a.char_start < b.char_start <= a.char_end + 1 for a, b in zip(page1, page1[1:], strict=False))
    assert page1[0].char_start == 0 and page1[-1].char_end == len(pages[0][1])
    assert sum(c.text.endswith(".") for c in chunks) >= len(chunks) * 0.8


def test_ids_are_stable_and_content_derived():
    pages = [(1, "Alpha sentence. " * 100)]
    first = chunk_pages("doc-a", pages)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in chunk_pages("doc-a", pages)]
    assert {c.chunk_id for c in first}.isdisjoint({c.chunk_id for c in chunk_pages("doc-b", pages)})
    assert len({c.chunk_id for c in first}) == len(first)
    assert chunk_id("d", 1, 0, 5, "hello") != chunk_id("d", 2, 0, 5, "hello")


def test_empty_pages_give_no_chunks():
    assert chunk_pages("doc", [(1, ""), (2, "   ")]) == []


def test_short_text_is_one_chunk_without_page():
    chunks = chunk_pages("summary", [(None, "A short summary from the prompt.")])
    assert len(chunks) == 1 and chunks[0].page is None and chunks[0].char_start == 0
