"""The CNAPS-style workflow: input → preprocess → model → output, one branch per recommended model,
joined by a compare node when there are several. Built from the prompt's recommended models and
the SR zoo's facts about each; never a model that the prompt does not provide."""

from __future__ import annotations

import re

from agent.answer.mermaid import to_mermaid
from agent.answer.schema import Workflow, WorkflowEdge, WorkflowNode
from agent.answer.tasks import prompt_family
from prompts import ModelRef, Prompt

# "by 4x", "4×", "×4", "x2", "2 times", "4-fold"
_SCALE = re.compile(
    r"(?:(?<![\w.])(\d+(?:\.\d+)?)\s*(?:x|×|times|-fold|fold)(?![a-wyz]))|(?:(?<![\w])[x×]\s?(\d+(?:\.\d+)?)\b)",
    re.IGNORECASE,
)
_NAME_SCALE = re.compile(r"-(\d+)x$", re.IGNORECASE)


def question_scale(question: str) -> float | None:
    """The enlargement factor a question states ("by 4x", "4×", "x2"), or None."""
    for match in _SCALE.finditer(question):
        value = float(match.group(1) or match.group(2))
        if 1 < value <= 64:
            return value
    return None


def _spec(name: str):
    """The zoo's spec for a prompt model name, or None when the zoo does not hold it."""
    from tools.sr.zoo import NotInZoo, get_spec

    try:
        return get_spec(name)
    except NotInZoo:
        return None


def _model_facts(model: ModelRef, question_factor: float | None) -> dict:
    spec = _spec(model.name)
    if spec is None:
        match = _NAME_SCALE.search(model.name)
        return {
            "arch": model.name,
            "scale": float(match.group(1)) if match else question_factor,
            "any_scale": False,
            "input": "input image",
            "preprocessing": "as described in the model's paper",
            "output": "restored image",
            "runnable": False,
        }
    scale = float(spec.scale) if spec.scale else (question_factor or 2.0)
    return {
        "arch": spec.arch,
        "scale": scale,
        "any_scale": bool(spec.any_scale),
        "input": spec.input,
        "preprocessing": spec.preprocessing,
        "output": spec.output,
        "runnable": True,
    }


def build_workflow(prompt: Prompt) -> tuple[Workflow, list[str]]:
    """The workflow graph of a prompt, and warnings (e.g. a fixed-scale model whose scale differs
    from the one the question states)."""
    family = prompt_family(prompt)  # a denoising model takes a noisy image, not a low-resolution one
    factor = question_scale(prompt.question) if family.scales else None
    warnings: list[str] = []
    nodes = [WorkflowNode(id="input", kind="input", label=family.image_in, params={"source": "user image"})]
    edges: list[WorkflowEdge] = []
    outputs: list[str] = []
    for i, model in enumerate(prompt.models, start=1):
        facts = _model_facts(model, factor)
        scale = facts["scale"]
        if factor and not facts["any_scale"] and scale and abs(scale - factor) > 1e-6:
            warnings.append(
                f"{model.name} enlarges by ×{scale:g} only; the question asks for ×{factor:g}"
            )
        pre, mod, out = f"pre{i}", f"model{i}", f"out{i}"
        nodes += [
            WorkflowNode(id=pre, kind="preprocess", label="Preprocess", params={"steps": facts["preprocessing"], "input": facts["input"]}),
            WorkflowNode(
                id=mod,
                kind="model",
                label=model.name,
                params={"name": model.name, "arch": facts["arch"], "scale": scale, "any_scale": facts["any_scale"],
                        "runnable_here": facts["runnable"]},
            ),
            WorkflowNode(id=out, kind="output", label=family.image_out, params={"image": facts["output"], "scale": scale}),
        ]
        edges += [
            WorkflowEdge(source="input", target=pre),
            WorkflowEdge(source=pre, target=mod),
            WorkflowEdge(source=mod, target=out, label=f"x{scale:g}" if scale else None),
        ]
        outputs.append(out)
    if len(outputs) > 1:
        nodes.append(WorkflowNode(id="compare", kind="compare", label="Compare outputs",
                                  params={"metrics": "PSNR and SSIM against the ground truth, side by side"}))
        edges += [WorkflowEdge(source=o, target="compare") for o in outputs]
    return Workflow(nodes=nodes, edges=edges), warnings


def _node_text(node: WorkflowNode) -> str:
    if node.kind == "model":
        scale, arch = node.params.get("scale"), node.params.get("arch")
        # A model outside the zoo has no architecture name of its own: "Denoise-DnCNN", not
        # "Denoise-DnCNN (Denoise-DnCNN)".
        details = [d for d in (arch if arch != node.label else None, f"x{scale:g}" if scale else None) if d]
        return f"{node.label} ({', '.join(details)})" if details else node.label
    if node.kind == "preprocess":
        return f"Preprocess: {node.params.get('steps')}"
    if node.kind == "output":
        return f"{node.label}: {node.params.get('image')}"
    return node.label


def render_arrows(workflow: Workflow) -> list[str]:
    """One text line per branch: `input → preprocess → model → output [→ compare]`."""
    lines = []
    for model in workflow.model_nodes():
        chain = [model]
        while (prev := next((e.source for e in workflow.edges if e.target == chain[0].id), None)) is not None:
            chain.insert(0, workflow.node(prev))
        while (nxt := next((e.target for e in workflow.edges if e.source == chain[-1].id), None)) is not None:
            chain.append(workflow.node(nxt))
        lines.append(" → ".join(_node_text(n) for n in chain))
    return lines


def render_mermaid(workflow: Workflow) -> str:
    """The workflow as a validated Mermaid flowchart."""
    nodes = [(n.id, _node_text(n)) for n in workflow.nodes]
    edges = [(e.source, e.target, e.label) for e in workflow.edges]
    return to_mermaid(nodes, edges)
