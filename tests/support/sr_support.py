"""Helpers shared by the SR zoo tests."""

from __future__ import annotations


def relative_error(out, ref) -> float:
    """‖out − ref‖ / ‖ref − mean(ref)‖, the acceptance measure of testdata/sr/goldens."""
    out, ref = out.double(), ref.double()
    return float((out - ref).norm() / (ref - ref.mean()).norm())
