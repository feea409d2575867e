"""index/arxiv.py: bundled CC0 records and the arXiv API's Atom answers."""

from __future__ import annotations

import json

import pytest

from index.arxiv import api_url, bundled_record, bundled_records, parse_api_answer

ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/abs/2408.16959v1</id>
    <title>HiTSR: A Hierarchical
      Transformer</title>
    <summary>  We propose HiTSR,
      a transformer. </summary>
    <author><name>A. Author</name></author>
  </entry>
</feed>"""


def test_bundled_records_match_the_shared_metadata(testdata_dir):
    shared = json.loads((testdata_dir / "arxiv" / "metadata.json").read_text())
    assert (
        set(bundled_records())
        == {r["arxiv_id"] for r in shared["records"]}
        == {"2008.08767", "1807.02758", "2012.09161"}
    )
    assert bundled_record("1807.02758").title.startswith("Image Super-Resolution Using Very Deep")
    assert bundled_record("2502.16025") is None


def test_parse_api_answer():
    record = parse_api_answer(ATOM.encode(), "2408.16959")
    assert record.title == "HiTSR: A Hierarchical Transformer"
    assert record.abstract == "We propose HiTSR, a transformer." and record.authors == ["A. Author"]


def test_parse_api_answer_errors():
    with pytest.raises(ValueError, match="no entry for 1234.5678"):
        parse_api_answer(ATOM.encode(), "1234.5678")
    with pytest.raises(ValueError, match="not Atom XML"):
        parse_api_answer(b"<html>", "2408.16959")


def test_api_url():
    assert api_url("http://127.0.0.1:5/", "2408.16959") == "http://127.0.0.1:5/api/query?id_list=2408.16959"
