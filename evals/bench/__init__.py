"""Benchmarks: scripts that print a table and write JSON (run from the repository root, e.g.
`python -m evals.bench.sr`). They are development tools, not installed with the package, and they
borrow the test fixtures of `tests/support` (loopback servers, synthetic PDFs)."""

import sys
from pathlib import Path

_SUPPORT = Path(__file__).resolve().parents[2] / "tests" / "support"
if _SUPPORT.is_dir() and str(_SUPPORT) not in sys.path:
    sys.path.insert(0, str(_SUPPORT))
