"""arXiv id recognition and link normalisation."""

from __future__ import annotations

import pytest

from prompts.links import arxiv_id, github_repo, is_http_url, normalize_url, parse_arxiv


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://arxiv.org/pdf/2008.08767", ("2008.08767", None)),
        ("http://arxiv.org/pdf/2502.16025v1.pdf", ("2502.16025", 1)),
        ("https://arxiv.org/abs/1807.02758", ("1807.02758", None)),
        ("https://arxiv.org/abs/1807.02758v3", ("1807.02758", 3)),
        ("https://www.arxiv.org/pdf/2308.09917v3", ("2308.09917", 3)),
        ("https://export.arxiv.org/abs/0704.0001", ("0704.0001", None)),
        ("https://arxiv.org/abs/hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("https://arxiv.org/pdf/2012.09161.pdf", ("2012.09161", None)),
        (" https://arxiv.org/abs/2012.09161/ ", ("2012.09161", None)),
    ],
)
def test_arxiv_forms(url, expected):
    assert parse_arxiv(url) == expected
    assert arxiv_id(url) == expected[0]


@pytest.mark.parametrize(
    "url", ["https://github.com/yinboc/liif", "https://arxiv.org/list/cs.CV", "https://evil.org/abs/2008.08767", "x"]
)
def test_not_arxiv(url):
    assert arxiv_id(url) is None


def test_normalize():
    assert normalize_url("http://ArXiv.org/pdf/2008.08767/") == normalize_url("https://arxiv.org/pdf/2008.08767")
    assert normalize_url("https://github.com/a/b#readme") == "https://github.com/a/b"
    assert normalize_url("https://www.github.com:443/a/b") == "https://github.com/a/b"
    assert normalize_url("https://x.org/a?b=1") != normalize_url("https://x.org/a")


def test_is_http_url_and_github():
    assert is_http_url("https://x.org/a")
    assert not is_http_url("https://x.org/a b")
    assert not is_http_url("https://x.org:abc/")
    assert not is_http_url("mailto:a@b.c")
    assert github_repo("https://github.com/wwlCape/HAN") == ("wwlCape", "HAN")
    assert github_repo("https://github.com/a/b.git/tree/main") == ("a", "b")
    assert github_repo("https://gitlab.com/a/b") is None
