"""Speed of the embedded local model, side by side in one process and one run:

(a) aisci's local answer for each seed, warm (model loaded, index built): seconds, tokens sent /
    read / generated, time to part 1 on screen;
(b) the baseline a user of plain llama.cpp/Ollama would run: the same model answering the raw prompt
    file's text, one call, up to 600 tokens;
(c) the machine's measured prompt-reading and generation rates (tokens/s), plain and under a JSON
    grammar — and the floor of (a): tokens read ÷ prompt rate + tokens generated ÷ generation rate;
(d) one lever measured in place: prompt-lookup speculative decoding against plain generation.

    python -m evals.bench.local_llm [--seeds 000,003] [--out aisci-runs/bench/local_llm.json]

Prints a table and writes JSON. Offline (the seeds' own summaries and bundled abstracts). Uses
AISCI_LOCAL_MODEL / AISCI_LOCAL_CTX / AISCI_LOCAL_THREADS.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

from agent.answer.compose import answer_prompt
from agent.backends.local.backend import LocalBackend
from agent.backends.local.runtime import LocalLLM, _grammar
from agent.settings import get_settings
from prompts import bundled_set_dir, load
from prompts.files import atomic_write_json

RATE_TEXT = ("Super-resolution networks restore high-frequency detail from a low-resolution image. " * 40).strip()
BASELINE_TOKENS = 600


def machine_rates(llm: LocalLLM) -> dict:
    """Prompt-reading and generation rates of this machine now, plain and under a JSON grammar."""
    system = "You are a helpful assistant."
    llm.reset_cache()
    _, read = llm.complete_text(system, RATE_TEXT, max_tokens=1)
    ask = "Write a long paragraph about image super-resolution."
    llm.complete_text(system, ask, max_tokens=1)  # read the ask, so the next call only generates
    _, plain = llm.complete_text(system, ask, max_tokens=128)
    schema = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
    llm.complete_text(system, ask + " Answer as JSON.", max_tokens=1)
    # The grammar's cost per generated token; the JSON itself may be cut at 128 tokens, so the
    # timed call is the runtime's raw grammar-held one (no parsing).
    _, _, held = llm._chat(system, ask + " Answer as JSON.", 128, _grammar(schema))
    return {
        "prompt_tok_per_s": round(read.prompt_tokens / read.seconds, 1),
        "gen_tok_per_s": round(plain.completion_tokens / plain.seconds, 1),
        "gen_tok_per_s_json_grammar": round(held.completion_tokens / held.seconds, 1),
    }


def prompt_lookup_rates(llm: LocalLLM, passage: str, tokens: int = 96) -> dict:
    """Generation rate with and without prompt-lookup speculative decoding
    (`LlamaPromptLookupDecoding`), on an ask that restates a passage (an answer's best case: it
    reuses the passage's wording). Both read the same prompt first, so only generation is timed."""
    import llama_cpp
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    text = f"Passage: {passage}\nRestate the passage in your own words:\n"
    drafted = llama_cpp.Llama(model_path=str(llm.model_path), n_ctx=llm.n_ctx, n_threads=llm.n_threads,
                              n_threads_batch=llm.n_threads, verbose=False,
                              draft_model=LlamaPromptLookupDecoding(num_pred_tokens=10))
    rates = {}
    for name, model in (("plain", llm._llama), ("prompt_lookup", drafted)):
        model.reset()
        model.create_completion(text, max_tokens=1, temperature=0.0)  # read the prompt
        started = time.perf_counter()
        out = model.create_completion(text, max_tokens=tokens, temperature=0.0)
        rates[name] = round(out["usage"]["completion_tokens"] / (time.perf_counter() - started), 1)
    del drafted
    llm.reset_cache()
    return {"gen_tok_per_s_plain": rates["plain"], "gen_tok_per_s_prompt_lookup": rates["prompt_lookup"]}


def aisci_answer(prompt, settings, backend) -> dict:
    """One warm local answer: seconds, tokens, and when part 1 was ready."""
    from index import QuestionIndex

    index = QuestionIndex.build(prompt, settings.index_config())
    started = time.perf_counter()
    shown: dict[str, float] = {}
    answer = answer_prompt(prompt, settings, backend, index=index,
                           on_part=lambda part, _a: shown.setdefault(part, time.perf_counter() - started))
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "first_part_s": round(shown.get("task", seconds), 2),
            "prompt_tokens_sent": answer.usage.prompt_tokens, "prompt_tokens_read": answer.usage.prompt_tokens_new,
            "completion_tokens": answer.usage.completion_tokens,
            "warnings": [w for w in answer.warnings if w.startswith("local:")]}


def baseline(prompt, llm: LocalLLM) -> dict:
    """The raw prompt file's text as one chat message, up to BASELINE_TOKENS generated."""
    text = Path(prompt.path).read_text(encoding="utf-8")
    _, usage = llm.complete_text("You are a helpful assistant.", text, max_tokens=BASELINE_TOKENS)
    return {"seconds": usage.seconds, "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens}


def run(seeds: list[str] | None, out: Path) -> dict:
    settings = get_settings(offline=True)
    started = time.perf_counter()
    llm = LocalLLM.from_settings(settings)
    load_s = round(time.perf_counter() - started, 2)
    backend = LocalBackend(settings, llm=llm)
    files = sorted(bundled_set_dir().glob("*.txt"))
    files = [f for f in files if not seeds or any(f.name.startswith(s) for s in seeds)]
    rates = machine_rates(llm)
    summaries = [paper.summary for paper in (load(files[0]).papers if files else []) if paper.summary]
    if summaries:
        rates["levers"] = prompt_lookup_rates(llm, summaries[0])
    rows = []
    for path in files:
        prompt = load(path)
        aisci = aisci_answer(prompt, settings, backend)
        base = baseline(prompt, llm)
        floor = aisci["prompt_tokens_read"] / rates["prompt_tok_per_s"] + aisci["completion_tokens"] / rates["gen_tok_per_s"]
        rows.append({"seed": path.name[:3], "aisci": aisci, "baseline": base, "floor_s": round(floor, 2),
                     "aisci_over_baseline": round(aisci["seconds"] / base["seconds"], 2),
                     "aisci_over_floor": round(aisci["seconds"] / floor, 2)})
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores ({platform.platform()})",
        "load_average": os.getloadavg(), "model": llm.name, "n_ctx": llm.n_ctx, "n_threads": llm.n_threads,
        "load_s": load_s, "rates": rates, "rows": rows,
        "median_aisci_s": statistics.median(r["aisci"]["seconds"] for r in rows) if rows else None,
        "max_aisci_s": max((r["aisci"]["seconds"] for r in rows), default=None),
    }
    atomic_write_json(out, result)
    return result


def print_table(r: dict) -> None:
    rates = r["rates"]
    print(f"model {r['model']} ({r['n_threads']} threads), load {r['load_s']} s, load average "
          f"{', '.join(f'{x:.2f}' for x in r['load_average'])}")
    print(f"rates: prompt {rates['prompt_tok_per_s']} tok/s, generation {rates['gen_tok_per_s']} tok/s "
          f"(under a JSON grammar {rates['gen_tok_per_s_json_grammar']} tok/s)")
    if "levers" in rates:
        lever = rates["levers"]
        print(f"prompt-lookup decoding on a restating ask: {lever['gen_tok_per_s_prompt_lookup']} tok/s vs plain "
              f"{lever['gen_tok_per_s_plain']} tok/s")
    head = ("seed", "aisci s", "part 1 s", "read/sent in", "out", "baseline s", "base in/out", "aisci/base",
            "floor s", "aisci/floor")
    print(" | ".join(head))
    for row in r["rows"]:
        a, b = row["aisci"], row["baseline"]
        print(" | ".join([row["seed"], f"{a['seconds']:.1f}", f"{a['first_part_s']:.1f}",
                          f"{a['prompt_tokens_read']}/{a['prompt_tokens_sent']}", str(a["completion_tokens"]),
                          f"{b['seconds']:.1f}", f"{b['prompt_tokens']}/{b['completion_tokens']}",
                          f"{row['aisci_over_baseline']:.2f}", f"{row['floor_s']:.1f}", f"{row['aisci_over_floor']:.2f}"]))
    print(f"median aisci {r['median_aisci_s']:.1f} s, max {r['max_aisci_s']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", help="Comma-separated seed prefixes (default: all five).")
    parser.add_argument("--out", type=Path, default=Path("aisci-runs/bench/local_llm.json"))
    args = parser.parse_args()
    print_table(run(args.seeds.split(",") if args.seeds else None, args.out))


if __name__ == "__main__":
    main()
