"""The openai backend measured for real: llama-cpp-python's own OpenAI-compatible server
(`python -m llama_cpp.server`, chatml-function-calling) serves the embedded model on loopback, and
`aisci eval` answers prompts through it with the same metrics as every backend.

    python -m evals.bench.openai_server prompts/set [--report aisci-runs/eval-openai-server]

Prints the evaluation's aggregate lines and where the report is; offline (the prompts' summaries
and bundled abstracts), no key needed.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from llama_server import LlamaServer

from agent.backends.local.installer import ensure_model
from agent.settings import get_settings
from evals.report import write_report
from evals.runner import aggregate_line, evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", type=Path, help="Prompt files or folders.")
    parser.add_argument("--report", type=Path, default=Path("aisci-runs/eval-openai-server"))
    args = parser.parse_args()
    model = ensure_model(get_settings())
    args.report.mkdir(parents=True, exist_ok=True)
    with LlamaServer(model, log=args.report / "llama_server.log") as server:
        os.environ.update({"AISCI_LLM_BASE_URL": server.base_url, "AISCI_LLM_MODEL": server.model,
                           "OPENAI_API_KEY": "not-needed", "AISCI_LLM_TIMEOUT_S": "900", "AISCI_OFFLINE": "1"})
        settings = get_settings()
        result = evaluate(args.inputs, settings, "openai", args.report, log=print)
    md, js = write_report(result, args.report)
    print(aggregate_line(result.aggregate))
    print(f"report: {md}, {js}; server log {args.report / 'llama_server.log'}")


if __name__ == "__main__":
    main()
