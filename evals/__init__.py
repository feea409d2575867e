"""Evaluation: metrics of what a reader sees (grounding and answer quality), the runner behind
`aisci eval`, and its report. Benchmarks live in `evals/bench/` (not installed)."""
