"""The layers run one way: prompts → index → tools → agent → evals → aisci.

Every import in every module of the runtime packages (top-level and inside functions alike) is
parsed; an import of a higher layer from a lower one fails the test, naming the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = ["prompts", "index", "tools", "agent", "evals", "aisci"]
RANK = {name: i for i, name in enumerate(LAYERS)}


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def upward_imports() -> list[str]:
    """`file:line: layer imports higher-layer module` for every import that runs upward."""
    problems = []
    for layer in LAYERS:
        for path in sorted((REPO / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, module in _imports(tree):
                top = module.split(".")[0]
                if top in RANK and RANK[top] > RANK[layer]:
                    problems.append(f"{path.relative_to(REPO)}:{line}: {layer} imports {module}")
    return problems


def test_no_import_runs_from_a_lower_layer_to_a_higher_one():
    assert upward_imports() == []


def test_the_check_sees_lazy_imports(tmp_path):
    tree = ast.parse("def f():\n    from aisci.cli import app\n    import evals.runner\n")
    assert [m for _, m in _imports(tree)] == ["aisci.cli", "evals.runner"]


def test_every_layer_is_a_package():
    for layer in LAYERS:
        assert (REPO / layer / "__init__.py").is_file(), layer


# Dependencies of the `dev` extra and the test fixtures: never imported by what `pip install` ships.
DEV_ONLY = {"pytest", "hypothesis", "fpdf", "ruff", "loopback", "synthetic_pdf", "chat_server", "scripted_chat",
            "answer_support", "sr_support", "web_server", "selenium"}


def test_shipped_modules_import_no_dev_only_dependency():
    problems = []
    for layer in LAYERS:
        for path in sorted((REPO / layer).rglob("*.py")):
            if path.is_relative_to(REPO / "evals" / "bench"):
                continue  # benchmarks are not installed (pyproject excludes evals.bench)
            for line, module in _imports(ast.parse(path.read_text(encoding="utf-8"))):
                if module.split(".")[0] in DEV_ONLY:
                    problems.append(f"{path.relative_to(REPO)}:{line}: imports {module}")
    assert problems == []


def test_benchmarks_are_not_installed():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'exclude = ["evals.bench*"]' in text
