"""The answer's workflow graph as a self-contained SVG drawn on the server (no script, no CDN).

Columns are the longest path from the input (input → preprocess → model → output → compare); each
recommended model is one row. Every text is escaped; node details are wrapped and shortened.
"""

from __future__ import annotations

from html import escape

from agent.answer.schema import Workflow, WorkflowNode
from prompts.text import shorten

NODE_W = 210
COL_GAP = 56
ROW_GAP = 26
PAD = 16
LINE_H = 16
TITLE_LINE_H = 18
WRAP = 30  # characters of 12 px text in a box
TITLE_WRAP = 25  # characters of 13.5 px bold text
MAX_DETAIL_LINES = 4
# fill, stroke, title colour per node kind
COLORS = {
    "input": ("#eef6ff", "#4a7fc1", "#1d4f91"),
    "preprocess": ("#f5f5f5", "#8a8a8a", "#333333"),
    "model": ("#fff4e0", "#d08a1e", "#7a4a00"),
    "output": ("#eafaf0", "#3c9a5f", "#1f6b3a"),
    "compare": ("#f4ecff", "#8158c2", "#4b2a85"),
}


def _wrap(text: str, width: int = WRAP, max_lines: int = MAX_DETAIL_LINES) -> list[str]:
    """Greedy word wrap into at most `max_lines` lines (the last one ends with … when cut)."""
    words, lines, current = text.split(), [], ""
    for word in words:
        while len(word) > width:  # a very long token (a URL, a formula) is cut into pieces
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        if len(last) + 2 > width:
            last = last[: width - 2].rsplit(" ", 1)[0] if " " in last[: width - 2] else last[: width - 2]
        lines[-1] = last + " …"
    return lines


def node_text(node: WorkflowNode) -> tuple[str, list[str]]:
    """(title, detail lines) shown in a node's box."""
    p = node.params
    if node.kind == "model":
        scale = p.get("scale")
        detail = f"{p.get('arch')}" + (f", ×{scale:g}" if isinstance(scale, int | float) else "")
        if p.get("any_scale"):
            detail += " (any scale)"
        return node.label, _wrap(detail)
    if node.kind == "preprocess":
        return node.label, _wrap(shorten(str(p.get("steps") or ""), 110))
    if node.kind == "output":
        return node.label, _wrap(shorten(str(p.get("image") or ""), 110))
    if node.kind == "input":
        return node.label, _wrap(str(p.get("source") or ""))
    if node.kind == "compare":
        return node.label, _wrap(shorten(str(p.get("metrics") or ""), 110))
    return node.label, []


def _columns(workflow: Workflow) -> dict[str, int]:
    """Column of each node: its longest distance from a node without incoming edges."""
    ids = [n.id for n in workflow.nodes]
    col = dict.fromkeys(ids, 0)
    edges = [(e.source, e.target) for e in workflow.edges if e.source in col and e.target in col]
    for _ in range(len(ids)):  # Bellman-Ford style relaxation; a cycle simply stops growing after |V| rounds
        changed = False
        for s, t in edges:
            if col[t] < col[s] + 1:
                col[t] = col[s] + 1
                changed = True
        if not changed:
            break
    return col


def _title_lines(heading: str) -> list[str]:
    return _wrap(heading, TITLE_WRAP, 2)


def _height(node: WorkflowNode) -> int:
    heading, lines = node_text(node)
    return 12 + TITLE_LINE_H * len(_title_lines(heading)) + LINE_H * len(lines) + 10


def layout(workflow: Workflow) -> dict[str, tuple[float, float, float, float]]:
    """(x, y, width, height) of each node's box."""
    col = _columns(workflow)
    by_col: dict[int, list[WorkflowNode]] = {}
    for node in workflow.nodes:
        by_col.setdefault(col[node.id], []).append(node)
    heights = {n.id: _height(n) for n in workflow.nodes}
    row_h = max(heights.values(), default=60)
    rows = max((len(v) for v in by_col.values()), default=1)
    total_h = rows * row_h + (rows - 1) * ROW_GAP
    boxes = {}
    for c, nodes in by_col.items():
        block = len(nodes) * row_h + (len(nodes) - 1) * ROW_GAP
        top = PAD + (total_h - block) / 2  # a column with fewer nodes is centred
        for i, node in enumerate(nodes):
            h = heights[node.id]
            y = top + i * (row_h + ROW_GAP) + (row_h - h) / 2
            boxes[node.id] = (PAD + c * (NODE_W + COL_GAP), y, NODE_W, h)
    return boxes


def workflow_svg(workflow: Workflow, title: str = "Workflow") -> str:
    """The workflow as an `<svg>` element (with a <title> for screen readers)."""
    boxes = layout(workflow)
    if not boxes:
        return ""
    width = max(x + w for x, _, w, _ in boxes.values()) + PAD
    height = max(y + h for _, y, _, h in boxes.values()) + PAD
    out = [
        f'<svg class="workflow-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker></defs>',
    ]
    for edge in workflow.edges:
        if edge.source not in boxes or edge.target not in boxes:
            continue
        sx, sy, sw, sh = boxes[edge.source]
        tx, ty, _, th = boxes[edge.target]
        x1, y1, x2, y2 = sx + sw, sy + sh / 2, tx - 2, ty + th / 2
        mid = (x1 + x2) / 2
        out.append(f'<path class="wf-edge" d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" '
                   'fill="none" stroke="#666" stroke-width="1.6" marker-end="url(#wf-arrow)"/>')
        if edge.label:
            out.append(f'<text class="wf-edge-label" x="{mid:.1f}" y="{(y1 + y2) / 2 - 6:.1f}" text-anchor="middle" '
                       f'font-size="12" fill="#444">{escape(edge.label)}</text>')
    for node in workflow.nodes:
        x, y, w, h = boxes[node.id]
        fill, stroke, ink = COLORS.get(node.kind, COLORS["preprocess"])
        heading, lines = node_text(node)
        out.append(f'<g class="wf-node wf-{escape(node.kind)}" data-node="{escape(node.id)}">')
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w}" height="{h}" rx="9" fill="{fill}" stroke="{stroke}" '
                   'stroke-width="1.5"/>')
        titles = _title_lines(heading)
        for i, line in enumerate(titles):
            out.append(f'<text x="{x + 12:.1f}" y="{y + 24 + i * TITLE_LINE_H:.1f}" font-size="13.5" font-weight="600" '
                       f'fill="{ink}">{escape(line)}</text>')
        top = y + 24 + len(titles) * TITLE_LINE_H - 1
        for i, line in enumerate(lines):
            out.append(f'<text x="{x + 12:.1f}" y="{top + i * LINE_H:.1f}" font-size="12" fill="#333">{escape(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
