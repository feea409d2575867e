"""Benchmark of the embedded local LLM: load time, prompt and generation speed, one JSON call.

    python -m evals.bench.local_llm [--out aisci-runs/bench/local_llm.json]

The prompt is seed 000's question with HAN's arXiv abstract and the seed's three related-paper
summaries as passages S1-S4 (about 1,000 prompt tokens), the shape the local backend sends. Prints a
table and writes the numbers as JSON. Uses AISCI_LOCAL_MODEL / AISCI_LOCAL_CTX / AISCI_LOCAL_THREADS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from agent.backends.local.runtime import LocalLLM
from agent.settings import get_settings
from prompts import bundled_set_dir, load
from prompts.files import atomic_write_json

TESTDATA = Path(os.environ.get("AISCI_TESTDATA", Path(__file__).resolve().parents[2] / "shared" / "testdata"))
SYSTEM = (
    "You are an AI scientist. Use only the numbered passages below; cite their ids (S1, S2, ...) for "
    "every claim. If the passages do not say, write that they do not."
)
MECHANISM_SCHEMA = {
    "type": "object",
    "properties": {
        "task": {"type": "string", "maxLength": 200},
        "mechanism": {
            "type": "array",
            "minItems": 3,
            "maxItems": 4,
            "items": {
                "type": "object",
                "properties": {
                    "sentence": {"type": "string", "maxLength": 200},
                    "citations": {"type": "array", "minItems": 1, "maxItems": 2,
                                  "items": {"type": "string", "enum": ["S1", "S2", "S3", "S4"]}},
                },
                "required": ["sentence", "citations"],
            },
        },
    },
    "required": ["task", "mechanism"],
}
RELEVANCE_SCHEMA = {
    "type": "object",
    "properties": {"S2": {"type": "string", "maxLength": 200}},
    "required": ["S2"],
}


def build_passages() -> tuple[str, str]:
    """(question, passages text) for seed 000: HAN's abstract (S1) and the related summaries (S2-S4)."""
    prompt = load(bundled_set_dir() / "000_e84ef3a245fb1958.txt")
    records = json.loads((TESTDATA / "arxiv" / "metadata.json").read_text())["records"]
    han = next(r for r in records if r["arxiv_id"] == "2008.08767")
    lines = [f"[S1] {han['title']} (recommended model {prompt.models[0].name}): {han['abstract']}"]
    for i, paper in enumerate(prompt.papers, start=2):
        lines.append(f"[S{i}] {paper.title}: {paper.summary}")
    return prompt.question, "Passages:\n" + "\n\n".join(lines)


def run(out: Path) -> dict:
    settings = get_settings()
    question, passages = build_passages()
    started = time.perf_counter()
    llm = LocalLLM.from_settings(settings)
    load_s = time.perf_counter() - started
    head = f"{passages}\n\nUser question: {question}\n\n"

    ask = "Explain in detail, step by step, how the recommended model turns a low-resolution image into a sharp one."
    llm.reset_cache()  # cold: the whole prompt is read, one token generated
    _, prompt_read = llm.complete_text(SYSTEM, head + ask, max_tokens=1)
    # The same prompt again is fully cached, so this call's time is (almost all) generation.
    _, gen = llm.complete_text(SYSTEM, head + ask, max_tokens=128)

    llm.reset_cache()
    value, json_cold = llm.complete_json(
        SYSTEM, head + "Fill in: the task the user wants, and how the model works (3-4 cited sentences).",
        MECHANISM_SCHEMA, max_tokens=400,
    )
    # Same system + passages, a different ask: only the ask is read (KV cache prefix reuse).
    _, json_warm = llm.complete_json(
        SYSTEM, head + "In one sentence: how does S2 bear on the user's question? Say if only loosely.",
        RELEVANCE_SCHEMA, max_tokens=80,
    )
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores ({platform.platform()})",
        "model": llm.name,
        "n_ctx": llm.n_ctx,
        "n_threads": llm.n_threads,
        "load_s": round(load_s, 2),
        "prompt_tokens": prompt_read.prompt_tokens,
        "prompt_s": prompt_read.seconds,
        "prompt_tok_per_s": round(prompt_read.prompt_tokens / prompt_read.seconds, 1),
        "gen_tokens": gen.completion_tokens,
        "gen_s": gen.seconds,
        "gen_tok_per_s": round(gen.completion_tokens / gen.seconds, 1),
        "json_cold": json_cold.model_dump(),
        "json_warm_same_passages": json_warm.model_dump(),
        "json_value": value,
    }
    atomic_write_json(out, result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("aisci-runs/bench/local_llm.json"))
    r = run(parser.parse_args().out)
    rows = [
        ("model", f"{r['model']} (n_ctx {r['n_ctx']}, {r['n_threads']} threads)"),
        ("load", f"{r['load_s']} s"),
        ("prompt read (cold)", f"{r['prompt_tok_per_s']} tokens/s ({r['prompt_tokens']} tokens in {r['prompt_s']} s)"),
        ("generation", f"{r['gen_tok_per_s']} tokens/s ({r['gen_tokens']} tokens in {r['gen_s']} s)"),
        ("JSON call, cold", _usage(r["json_cold"])),
        ("JSON call, same passages", _usage(r["json_warm_same_passages"])),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


def _usage(u: dict) -> str:
    return f"{u['seconds']:.1f} s ({u['prompt_tokens']} prompt + {u['completion_tokens']} generated tokens)"


if __name__ == "__main__":
    main()
