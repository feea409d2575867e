"""Google Drive file links and the large-file confirm page."""

from __future__ import annotations

import pytest

from tools.sr.errors import DownloadRefused
from tools.sr.gdrive import confirm_step, drive_file_id, start_url

ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz012345"


@pytest.mark.parametrize(
    "url",
    [f"https://drive.google.com/file/d/{ID}/view?usp=sharing", f"https://drive.google.com/file/d/{ID}",
     f"https://drive.google.com/open?id={ID}", f"https://drive.google.com/uc?export=download&id={ID}",
     f"https://drive.usercontent.google.com/download?id={ID}&export=download&confirm=t"],
)
def test_file_link_forms(url):
    assert drive_file_id(url) == ID
    assert start_url(ID) == f"https://drive.google.com/uc?export=download&id={ID}"


@pytest.mark.parametrize(
    ("url", "why"),
    [("http://drive.google.com/file/d/" + ID, "expected a Google Drive file link"),
     ("https://docs.google.com/file/d/" + ID, "expected a Google Drive file link"),
     ("https://drive.google.com/drive/folders/17cLcPCDLuBV5_5-ngd0vXIDp6rebIMG1", "Drive folder"),
     ("https://drive.google.com/uc?id=short", "no file id")],
)
def test_other_links_are_refused(url, why):
    with pytest.raises(DownloadRefused, match=why):
        drive_file_id(url)


def test_confirm_page_forms():
    page = f"""<form id="download-form" action="https://drive.usercontent.google.com/download" method="get">
    <input type="submit" value="Download anyway"><input type="hidden" name="id" value="{ID}">
    <input type="hidden" name="confirm" value="t"><input type="hidden" name="uuid" value="a b"></form>"""
    assert confirm_step("https://drive.usercontent.google.com/download?id=x", page) == (
        f"https://drive.usercontent.google.com/download?id={ID}&confirm=t&uuid=a+b")
    older = f'<a id="uc-download-link" href="/uc?export=download&amp;confirm=Xy12&amp;id={ID}">Download anyway</a>'
    assert confirm_step("https://drive.google.com/uc?export=download&id=x", older) == (
        f"https://drive.google.com/uc?export=download&confirm=Xy12&id={ID}")
    assert confirm_step("https://drive.google.com/uc", "<html>Sign in</html>") is None
