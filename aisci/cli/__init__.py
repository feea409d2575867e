"""The `aisci` command line. Bad input prints one clear line and exits with status 2.

Each command group lives in its own module of this package and adds its commands to the shared
`aisci.cli.app.app` when imported; they are imported explicitly below. Heavy imports (torch,
chromadb, llama.cpp) happen inside the commands, so `aisci --help` stays fast.
"""

from __future__ import annotations

import os
import sys

from aisci.cli import answer, batch, chat, doctor, eval, index, models, prompts, serve, sr, weights  # noqa: F401 - registers commands
from aisci.cli.app import SAMPLE, app, err_console
from prompts import AisciError


def _expand_optional_values(argv: list[str]) -> list[str]:
    """`--demo` takes an optional IMAGE: without one (last word, or followed by an option) it means
    the bundled sample."""
    out = []
    for i, word in enumerate(argv):
        out.append(word)
        if word == "--demo" and (i + 1 == len(argv) or argv[i + 1].startswith("-")):
            out.append(SAMPLE)
    return out


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on `argv` and return the exit status (used by `main` and by tests)."""
    argv = _expand_optional_values(list(sys.argv[1:] if argv is None else argv))
    try:
        app(args=argv, prog_name="aisci", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except AisciError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    return 0


def main() -> None:
    """Console-script entry point."""
    # llama.cpp's OpenMP threads spin while waiting by default, which collapses generation speed
    # on a shared CPU; set before torch or llama_cpp load an OpenMP runtime.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    sys.exit(run())
