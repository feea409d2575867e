"""The workflow as server-side SVG: well-formed, one box per node and one arrow per edge, laid out
left to right without overlaps, every text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from agent.answer.schema import Workflow, WorkflowEdge, WorkflowNode
from agent.answer.workflow import build_workflow
from aisci.web.svg import _wrap, layout, workflow_svg
from prompts import load

PROMPT_SET = Path(__file__).resolve().parents[3] / "prompts" / "set"

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_a_seed_workflow_is_well_formed_svg_with_every_node_and_edge():
    workflow, _ = build_workflow(load(PROMPT_SET / "004_22a4445001d39c44.txt"))
    root = _parse(workflow_svg(workflow, "LIIF workflow"))
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert len(root.findall(f"{NS}g")) == len(workflow.nodes) == 4
    assert len(root.findall(f"{NS}path")) == len(workflow.edges)
    text = " ".join(t.text or "" for t in root.iter(f"{NS}text"))
    assert "SISR-Any-LIIF-EDSR" in text and "Super-resolved image" in text
    assert root.find(f"{NS}title").text == "LIIF workflow"


def test_columns_follow_the_edges_and_boxes_never_overlap():
    prompt = load(PROMPT_SET / "000_e84ef3a245fb1958.txt")
    two = prompt.model_copy(update={"models": [*prompt.models, prompt.models[0].model_copy(update={"name": "SISR-RCAN-2x"})]})
    workflow, _ = build_workflow(two)
    boxes = layout(workflow)
    for edge in workflow.edges:  # every arrow runs left to right
        assert boxes[edge.source][0] < boxes[edge.target][0]
    items = list(boxes.values())
    for i, (x1, y1, w1, h1) in enumerate(items):
        for x2, y2, w2, h2 in items[i + 1:]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
    assert workflow.node("compare") is not None
    assert boxes["compare"][0] > max(boxes["out1"][0], boxes["out2"][0])


def test_untrusted_labels_are_escaped():
    hostile = '<script>alert("x")</script> & "quotes"'
    workflow = Workflow(
        nodes=[WorkflowNode(id="input", kind="input", label=hostile, params={"source": "</text><image href=x/>"}),
               WorkflowNode(id="m", kind="model", label="M", params={"arch": "A&B", "scale": 2.0})],
        edges=[WorkflowEdge(source="input", target="m", label="<b>x2</b>")],
    )
    svg = workflow_svg(workflow, title='"><script>')
    assert "<script>" not in svg and "<image" not in svg and "<b>" not in svg
    root = _parse(svg)  # still one well-formed document
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert any("<script>" in (t or "") for t in texts)  # shown as text, not markup
    assert "<b>x2</b>" in texts


def test_long_text_is_wrapped_and_cut():
    lines = _wrap("word " * 60, width=20, max_lines=3)
    assert len(lines) == 3 and all(len(line) <= 20 for line in lines) and lines[-1].endswith("…")
    assert _wrap("x" * 45, width=20) == ["x" * 20, "x" * 20, "x" * 5]


def test_an_empty_workflow_draws_nothing_and_a_cycle_still_terminates():
    assert workflow_svg(Workflow(nodes=[], edges=[])) == ""
    cyclic = Workflow(nodes=[WorkflowNode(id="a", kind="input", label="a"), WorkflowNode(id="b", kind="output", label="b")],
                      edges=[WorkflowEdge(source="a", target="b"), WorkflowEdge(source="b", target="a")])
    assert _parse(workflow_svg(cyclic)).tag == f"{NS}svg"
