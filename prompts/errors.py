"""Errors shared by every layer.

`AisciError` is the base of every error caused by bad input or a missing resource: the CLI
prints such an error as one line and exits with status 2. It lives in the lowest layer so that
every package can subclass it without importing upwards.
"""

from __future__ import annotations


class AisciError(Exception):
    """An error the user can act on; shown as one line, never as a traceback."""


class PromptFormatError(AisciError):
    """A prompt file that does not follow the prompt format.

    Carries the file, the 1-based line (0 when the problem is the file as a whole) and what was
    expected there.
    """

    def __init__(self, path: str, line: int, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")
