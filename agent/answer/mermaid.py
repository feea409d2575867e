"""Render a workflow as a Mermaid flowchart, and a small validator for the subset we emit.

The validator is strict on purpose: a diagram that it accepts uses only `flowchart LR|TD`, node
definitions `id["label"]`, and edges `a --> b` / `a -->|label| b`, with ids defined before use
and labels free of characters that break Mermaid's parser (quotes, brackets, pipes, semicolons,
angle brackets, backticks).
"""

from __future__ import annotations

import re

_ID = r"[A-Za-z][A-Za-z0-9_]*"
_LABEL_CHARS = r"[^\"\[\]\{\}\(\)|;<>`#&\n]*"
_HEADER = re.compile(r"^flowchart (LR|TD|TB|RL|BT)$")
_NODE = re.compile(rf'^(?P<id>{_ID})\["(?P<label>{_LABEL_CHARS})"\]$')
_EDGE = re.compile(rf"^(?P<a>{_ID}) -->(?:\|(?P<label>{_LABEL_CHARS})\|)? (?P<b>{_ID})$")
_RESERVED = {"end", "graph", "flowchart", "subgraph", "style", "class", "classDef", "click", "linkStyle"}


class MermaidError(ValueError):
    """A diagram that Mermaid would not parse; the message names the line."""


def safe_label(text: str) -> str:
    """A label Mermaid parses: forbidden characters become spaces, whitespace collapses."""
    cleaned = re.sub(r"[\"\[\]\{\}\(\)|;<>`#&]", " ", text)
    return " ".join(cleaned.split()) or "-"


def validate(diagram: str) -> None:
    """Raise `MermaidError` naming the first line that does not parse; return None when it parses."""
    lines = [ln.strip() for ln in diagram.strip().splitlines()]
    if not lines or not _HEADER.match(lines[0]):
        raise MermaidError("line 1: expected 'flowchart LR' (or TD/TB/RL/BT)")
    defined: set[str] = set()
    edges = 0
    for number, line in enumerate(lines[1:], start=2):
        if not line or line.startswith("%%"):
            continue
        if match := _NODE.match(line):
            node_id = match.group("id")
            if node_id in _RESERVED or node_id.lower() == "end":
                raise MermaidError(f"line {number}: node id {node_id!r} is a Mermaid keyword")
            if node_id in defined:
                raise MermaidError(f"line {number}: node {node_id!r} defined twice")
            if not match.group("label").strip():
                raise MermaidError(f"line {number}: node {node_id!r} has an empty label")
            defined.add(node_id)
        elif match := _EDGE.match(line):
            for end in (match.group("a"), match.group("b")):
                if end not in defined:
                    raise MermaidError(f"line {number}: edge uses undefined node {end!r}")
            edges += 1
        else:
            raise MermaidError(f"line {number}: cannot parse {line[:60]!r}")
    if not defined:
        raise MermaidError("the diagram defines no nodes")
    if len(defined) > 1 and edges == 0:
        raise MermaidError("the diagram has several nodes but no edges")


def to_mermaid(nodes: list[tuple[str, str]], edges: list[tuple[str, str, str | None]]) -> str:
    """Mermaid source for (id, label) nodes and (source, target, label) edges; validated before return."""
    out = ["flowchart LR"]
    out += [f'    {node_id}["{safe_label(label)}"]' for node_id, label in nodes]
    for source, target, label in edges:
        out.append(f"    {source} -->|{safe_label(label)}| {target}" if label else f"    {source} --> {target}")
    diagram = "\n".join(out)
    validate(diagram)
    return diagram
