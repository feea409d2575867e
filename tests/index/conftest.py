"""Fixtures of the index tests: a loopback server standing in for arXiv/GitHub, a config that
points at it, and PDFs with known sentences."""

from __future__ import annotations

from pathlib import Path

import pytest
from loopback import LoopbackServer
from synthetic_pdf import paper_pages, two_column_pdf

from index.config import IndexConfig
from index.netpolicy import clear_probe_cache

# Sentences planted in the generated paper, and paraphrases a user might ask with.
KNOWN_SENTENCE = (
    "The layer attention module weights the features of every residual group according to their mutual "
    "correlations, so informative hierarchical features are emphasised."
)
PARAPHRASE = "How does the network decide how much each residual group's features matter?"
SECOND_SENTENCE = "We trained every model for 300 epochs with the Adam optimiser and a batch size of sixteen."


@pytest.fixture
def server():
    """A running loopback HTTP server (real sockets), stopped after the test."""
    clear_probe_cache()
    with LoopbackServer() as srv:
        yield srv
    clear_probe_cache()


@pytest.fixture
def config(server, tmp_path: Path) -> IndexConfig:
    """An index config whose arXiv and GitHub live on the loopback server; fast timeouts."""
    return IndexConfig(
        cache_dir=tmp_path / "cache",
        arxiv_base_url=server.url,
        github_raw_base_url=server.url,
        allow_loopback=True,
        host_delay_s=0.0,
        timeout_s=2.0,
        retries=2,
        backoff_s=0.05,
        max_retry_after_s=5.0,
        max_download_mb=2.0,
    )


def make_paper_pdf() -> bytes:
    """A 4-page two-column paper: the known sentence on page 3, the training sentence on page 4."""
    pages = paper_pages(7, 4, planted={3: [KNOWN_SENTENCE], 4: [SECOND_SENTENCE]})
    return two_column_pdf("Holistic Attention for Image Super-Resolution", pages)


@pytest.fixture(scope="session")
def paper_pdf() -> bytes:
    """See `make_paper_pdf`."""
    return make_paper_pdf()


README = "# HAN\n\nPyTorch code of the Holistic Attention Network.\n\n## Test\n\nRun `python main.py --test_only`.\n"

ATOM_2502 = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><entry>
<id>http://arxiv.org/abs/2502.03656v1</id><title>A Study in Dataset Distillation for Image Super-Resolution</title>
<summary>Dataset distillation condenses large datasets into small synthetic sets; we study it for SR.</summary>
<author><name>Some Author</name></author></entry></feed>"""

PROMPT_TEXT = """"How do attention modules keep super-resolved details sharp?"

### Recommended AI Models:
Model: SISR-HAN-2x
Paper: https://arxiv.org/pdf/2008.08767
GitHub: https://github.com/wwlCape/HAN

### Related Papers:
Model: HiTSR: A Hierarchical Transformer for Reference-based Super-Resolution
Paper: http://arxiv.org/pdf/2408.16959v1.pdf
GitHub: https://github.com/bia006/hitsr
Summary: HiTSR is a hierarchical transformer for reference-based super-resolution that fuses self-attention and cross-attention through gating.

Model: Dataset Distillation for Super-Resolution
Paper: http://arxiv.org/pdf/2502.03656v1.pdf
Summary: Dataset distillation condenses large datasets into small synthetic samples; this work applies it to super-resolution.
"""


def serve_prompt_sources(server, paper_pdf: bytes, testdata: Path) -> None:
    """Routes for PROMPT_TEXT: HAN's PDF and README, HiTSR's PDF (its README is missing), and an
    encrypted PDF for the distillation paper (whose abstract the arXiv API gives)."""
    from loopback import Reply, pdf_reply, text_reply

    hitsr = two_column_pdf(
        "HiTSR",
        paper_pages(
            11,
            3,
            planted={
                2: ["Reference images are matched to the low-resolution input with a gated cross-attention block."]
            },
        ),
    )
    server.route("/pdf/2008.08767", pdf_reply(paper_pdf))
    server.route("/wwlCape/HAN/HEAD/README.md", text_reply(README))
    server.route("/pdf/2408.16959v1", pdf_reply(hitsr))
    server.route("/bia006/hitsr/HEAD/README.md", Reply(status=404))
    encrypted = (testdata / "pdf" / "libreoffice-writer-password.pdf").read_bytes()
    server.route("/pdf/2502.03656v1", pdf_reply(encrypted))
    server.route("/api/query?id_list=2502.03656", text_reply(ATOM_2502, "application/atom+xml"))


@pytest.fixture(scope="session")
def built(tmp_path_factory, paper_pdf):
    """PROMPT_TEXT indexed once per session from its own loopback server: read-only tests search
    it, and other tests start from a copy of its vector cache so they do not embed again."""
    from index.question import QuestionIndex
    from prompts import parse

    testdata = Path(__file__).resolve().parents[2].parent / "shared" / "testdata"
    import os

    testdata = Path(os.environ.get("AISCI_TESTDATA", testdata))
    clear_probe_cache()
    with LoopbackServer() as srv:
        serve_prompt_sources(srv, paper_pdf, testdata)
        cfg = IndexConfig(
            cache_dir=tmp_path_factory.mktemp("built") / "cache",
            arxiv_base_url=srv.url,
            github_raw_base_url=srv.url,
            allow_loopback=True,
            host_delay_s=0.0,
            timeout_s=5.0,
            retries=1,
        )
        qi = QuestionIndex.build(parse(PROMPT_TEXT, path="test-prompt.txt"), cfg)
    clear_probe_cache()
    return qi


@pytest.fixture
def warm_config(config, built) -> IndexConfig:
    """`config` with the session's vector cache copied in (fetching and Chroma still start empty)."""
    import shutil

    config.cache_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(built.config.vectors_path, config.vectors_path)
    return config
