"""index/pdf.py on generated two-column papers and the shared real-world PDFs."""

from __future__ import annotations

import pytest
from synthetic_pdf import paper_pages, two_column_pdf

from index.errors import PdfError
from index.pdf import clean_pages, read_pdf
from tests.index.conftest import KNOWN_SENTENCE, SECOND_SENTENCE


def test_generated_two_column_paper(paper_pdf):
    pages = read_pdf(paper_pdf, "paper.pdf")
    assert [p.page for p in pages] == [1, 2, 3, 4]
    assert KNOWN_SENTENCE in pages[2].text and SECOND_SENTENCE in pages[3].text
    # The running header and the page numbers are gone, the title (page 1 only) stays.
    assert all("Preprint. Under review." not in p.text for p in pages)
    assert pages[0].text.startswith("Holistic Attention for Image Super-Resolution")
    assert not pages[1].text.rstrip().endswith(" 2")
    assert all("\n" not in p.text and "  " not in p.text for p in pages)


def test_left_column_is_read_before_right(paper_pdf):
    # The page's text comes back exactly as written: left column, then right column.
    want = paper_pages(7, 4, planted={3: [KNOWN_SENTENCE], 4: [SECOND_SENTENCE]})
    got = read_pdf(paper_pdf, "paper.pdf")
    assert [p.text for p in got[1:]] == want[1:]


def test_multicolumn_latex(testdata_dir):
    pages = read_pdf(testdata_dir / "pdf" / "multicolumn.pdf", "multicolumn.pdf")
    assert len(pages) == 3
    first = pages[0].text
    assert "two columns filled with Lorem Ipsum" in first  # the "ﬁ" ligature is unfolded
    assert "adipiscing elit" in first and "adip- iscing" not in first  # hyphenation joined


def test_pdflatex_four_pages_page_numbers_dropped(testdata_dir):
    pages = read_pdf(testdata_dir / "pdf" / "pdflatex-4-pages.pdf", "pdflatex-4-pages.pdf")
    assert len(pages) == 4
    assert all(not p.text.endswith(f" {p.page}") for p in pages)


def test_minimal_document(testdata_dir):
    pages = read_pdf(testdata_dir / "pdf" / "minimal-document.pdf", "minimal-document.pdf")
    assert len(pages) == 1 and pages[0].text.startswith("Lorem ipsum dolor sit amet")
    assert "takimata" in pages[0].text  # "taki-\nmata" joined


def test_encrypted_is_rejected_clearly(testdata_dir):
    with pytest.raises(PdfError, match=r"libreoffice-writer-password.pdf: encrypted PDF: a password is required"):
        read_pdf(testdata_dir / "pdf" / "libreoffice-writer-password.pdf", "libreoffice-writer-password.pdf")


def test_scanned_has_no_usable_text(testdata_dir):
    with pytest.raises(PdfError, match="no usable text .* on 6 pages"):
        read_pdf(testdata_dir / "pdf" / "imagemagick-images.pdf", "imagemagick-images.pdf")


def test_corrupt_pdf(paper_pdf):
    broken = paper_pdf[:200] + b"\x00garbage" * 50
    with pytest.raises(PdfError, match="corrupt or unreadable PDF|no usable text"):
        read_pdf(broken, "broken.pdf")


def test_not_a_pdf():
    with pytest.raises(PdfError, match="not a PDF file"):
        read_pdf(b"<html>nope</html>", "page.html")


def test_clean_pages_rules():
    topics = ["attention", "upsampling", "training", "datasets"]
    raw = [
        f"Journal of Tests, vol. {i}\nThe ﬁrst line about {t} has a hyphen-\nated word and\u00a0a   gap.\n"
        f"More text on {t}.\n{i}"
        for i, t in enumerate(topics, start=1)
    ]
    pages = clean_pages(raw)
    assert pages[0].text == "The first line about attention has a hyphenated word and a gap. More text on attention."
    assert [p.page for p in pages] == [1, 2, 3, 4]


def test_two_page_document_keeps_repeated_lines():
    # With fewer than three pages a repeated line cannot be told from content.
    pages = clean_pages(["Same line\nbody one", "Same line\nbody two"])
    assert pages[0].text == "Same line body one"


def test_ten_page_paper_roundtrip():
    pages = paper_pages(3, 10)
    got = read_pdf(two_column_pdf("Ten Pages", pages), "ten.pdf")
    assert len(got) == 10
    for want, have in zip(pages[1:], got[1:], strict=True):
        assert have.text == want
