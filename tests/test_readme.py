"""README.md stays true: its configuration table matches the settings, CI reads its commands."""

from __future__ import annotations

import re
from pathlib import Path

from agent.settings import settings_markdown

REPO = Path(__file__).resolve().parents[1]


def test_configuration_table_matches_settings():
    text = (REPO / "README.md").read_text("utf-8")
    table = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", text, re.DOTALL)
    assert table, "README.md lacks the settings markers"
    assert table.group(1).strip() == settings_markdown().strip(), "regenerate with: python -m agent.settings"


def test_ci_reads_install_and_test_blocks():
    text = (REPO / "README.md").read_text("utf-8")
    for tag in ("install", "test", "run"):
        assert f"<!-- ci:{tag} -->\n```bash\n" in text
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    assert "block install" in ci and "block test" in ci
