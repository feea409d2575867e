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


# --- the detector and the browser-like parser (issue 11) --------------------------------------------
from injection_corpus import TRICKS  # noqa: E402

from prompts.links import find_links, parse_link, strip_links  # noqa: E402

ALLOWED = {normalize_url(u) for u in ("https://arxiv.org/pdf/2008.08767", "https://github.com/wwlCape/HAN")}


def allowed(url: str) -> bool:
    return normalize_url(url) in ALLOWED


@pytest.mark.parametrize("trick", [t for t in TRICKS if t.is_link], ids=lambda t: t.name)
def test_every_link_trick_is_found_and_refused(trick):
    text = f"See {trick.payload} for more."
    assert find_links(text), f"{trick.name}: not seen as a link"
    removed: list[str] = []
    cleaned = strip_links(text, allowed, removed)
    assert removed, f"{trick.name}: judged allowed"
    assert all(allowed(link if ":" in link or link.startswith("//") else "https://" + link)
               for link in find_links(cleaned)), cleaned
    assert not any(needle.lower() in cleaned.lower() for needle in trick.forbidden if "<" not in needle), cleaned


@pytest.mark.parametrize("text", [
    "Zhang et al.In this paper", "see model.py and README.md", "Fig.3 shows e.g. i.e. v1.5 results",
    "x < y and y > z", "the S1.2 block", "them.To do so", "ratio 3:1", "note: this", "a/b and/or c",
])
def test_prose_is_not_a_link(text):
    assert find_links(text) == []


@pytest.mark.parametrize(("text", "link"), [
    ("- [HAN](https://arxiv.org/pdf/2008.08767) (paper)", "https://arxiv.org/pdf/2008.08767"),
    ("see https://arxiv.org/pdf/2008.08767.", "https://arxiv.org/pdf/2008.08767"),
    ("at arxiv.org/pdf/2008.08767, then", "arxiv.org/pdf/2008.08767"),
    ("www.github.com/wwlCape/HAN", "www.github.com/wwlCape/HAN"),
])
def test_allowed_links_are_found_whole_and_kept(text, link):
    assert find_links(text) == [link]
    assert strip_links(text, allowed, []) == text


def test_trailing_punctuation_and_unbalanced_brackets_end_a_link():
    assert find_links("(https://en.wikipedia.org/wiki/A_(b)).") == ["https://en.wikipedia.org/wiki/A_(b)"]
    assert find_links("[x](https://arxiv.org/pdf/2008.08767)[S1]") == ["https://arxiv.org/pdf/2008.08767"]


@pytest.mark.parametrize(("url", "host"), [
    ("https://evil.example\\@arxiv.org/pdf/2008.08767", "evil.example"),  # WHATWG: backslash ends the host
    ("https://arxiv.org@evil.example/x", "evil.example"),
    ("//evil.example/b", "evil.example"),
    ("https:evil.example/x", "evil.example"),
    ("https:\\\\evil.example/x", "evil.example"),
    ("http://2130706433/", "127.0.0.1"),
    ("http://0x7f000001/", "127.0.0.1"),
    ("http://127.1/", "127.0.0.1"),
    ("http://0177.0.0.1/", "127.0.0.1"),
    ("https://ＥＶＩＬ。example/x", "evil.example"),
    ("https://%65vil.example/", "evil.example"),
    ("https://ArXiv.org./pdf/1", "arxiv.org"),
])
def test_hosts_are_read_as_browsers_read_them(url, host):
    assert parse_link(url).host == host


@pytest.mark.parametrize("url", [
    "https://evil.example\\@arxiv.org/pdf/2008.08767", "https://arxiv.org@arxiv.org/pdf/2008.08767",
    "https://user:pw@arxiv.org/pdf/2008.08767", "javascript://arxiv.org/pdf/2008.08767",
    "ftp://arxiv.org/pdf/2008.08767", "https://arxiv.org/pdf/2008.08767\\",
])
def test_userinfo_backslashes_and_other_schemes_never_match_an_allowed_link(url):
    assert not allowed(url)
    assert not is_http_url(url)


def test_same_link_in_other_spellings_matches():
    for url in ("http://ArXiv.org/pdf/2008.08767/", "https://www.arxiv.org:443/pdf/2008.08767#page=2",
                "//arxiv.org/pdf/2008.08767", "https://arxiv.org/pdf/x/../2008.08767", "https://arxiv.org/%70df/2008.08767"):
        assert allowed(url), url
    assert normalize_url("javascript:alert(1)").startswith("invalid:")
    assert not allowed("https://arxiv.org.evil.example/pdf/2008.08767")
