"""index/sources.py: prompts resolve to canonical arXiv PDFs, READMEs and as-is URLs."""

from __future__ import annotations

from index.config import IndexConfig
from index.sources import arxiv_pdf_url, readme_url, resolve
from prompts import load, parse

CFG = IndexConfig(arxiv_base_url="http://mirror.test/", github_raw_base_url="http://raw.test")

PROMPT = """"How?"

### Recommended AI Models:
Model: SISR-HAN-2x
Paper: https://arxiv.org/abs/2008.08767v2
GitHub: https://github.com/wwlCape/HAN.git

### Related Papers:
Model: A Conference Paper: With a Subtitle
Paper: https://openaccess.thecvf.com/content/paper.pdf
Summary: We do things.

Model: Another
Paper: http://www.arxiv.org/pdf/2408.16959v1.pdf
GitHub: https://github.com/bia006/hitsr
"""


def test_resolve_order_and_urls():
    sources = resolve(parse(PROMPT), CFG)
    assert [s.key for s in sources] == ["model1-paper", "model1-code", "paper1", "paper2", "paper2-code"]
    han, han_code, conf, other, other_code = sources
    assert han.fetch_url == "http://mirror.test/pdf/2008.08767v2" and han.arxiv_id == "2008.08767"
    assert han.title == "Single Image Super-Resolution via a Holistic Attention Network"  # bundled record
    assert han.ref == "SISR-HAN-2x paper" and han.role == "recommended" and han.kind == "paper"
    assert han_code.fetch_url == "http://raw.test/wwlCape/HAN/HEAD/README.md" and han_code.kind == "code"
    assert conf.fetch_url == "https://openaccess.thecvf.com/content/paper.pdf" and conf.arxiv_id is None
    assert conf.short == "A Conference Paper" and conf.summary == "We do things."
    assert other.fetch_url == "http://mirror.test/pdf/2408.16959v1" and other.url.startswith("http://www.")
    assert other_code.ref == "Another code"


def test_seed_prompts_resolve(prompt_set_dir):
    for path in sorted(prompt_set_dir.glob("*.txt")):
        prompt = load(path)
        sources = resolve(prompt, IndexConfig())
        assert sources[0].role == "recommended" and sources[0].fetch_url.startswith("https://arxiv.org/pdf/")
        assert all(s.summary for s in sources if s.role == "related" and s.kind == "paper")


def test_url_helpers():
    assert arxiv_pdf_url("https://arxiv.org/", "1807.02758", None) == "https://arxiv.org/pdf/1807.02758"
    assert readme_url("https://raw.githubusercontent.com", "yinboc", "liif") == (
        "https://raw.githubusercontent.com/yinboc/liif/HEAD/README.md"
    )
