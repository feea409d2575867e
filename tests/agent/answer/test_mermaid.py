"""The Mermaid validator accepts what we emit and rejects what breaks Mermaid's parser."""

from __future__ import annotations

import pytest

from agent.answer.mermaid import MermaidError, safe_label, to_mermaid, validate


def test_emitted_diagram_parses():
    diagram = to_mermaid([("input", "Low-res (RGB) image"), ("m1", 'SISR-HAN-2x "HAN" [x2]')], [("input", "m1", "x2 | fast")])
    validate(diagram)
    assert diagram.splitlines()[0] == "flowchart LR"
    assert '"' not in diagram.split('["', 1)[1].split('"]', 1)[0]


@pytest.mark.parametrize(
    "diagram, where",
    [
        ("graph XY\n a[\"x\"]", "line 1"),
        ('flowchart LR\n    a["x"]\n    a --> b', "undefined node 'b'"),
        ('flowchart LR\n    a["say "hi""]', "line 2"),
        ('flowchart LR\n    a["x"]\n    a["y"]', "defined twice"),
        ('flowchart LR\n    end["x"]', "keyword"),
        ('flowchart LR\n    a["x"]\n    b["y"]', "no edges"),
        ('flowchart LR\n    a["x"]; b["y"]', "line 2"),
        ('flowchart LR\n    a["<script>"]', "line 2"),
        ("flowchart LR", "no nodes"),
    ],
)
def test_broken_diagrams_are_rejected(diagram, where):
    with pytest.raises(MermaidError, match=where):
        validate(diagram)


def test_safe_label_removes_breaking_characters():
    assert safe_label('a "b" [c] (d) |e| ; <f> `g` #h &i') == "a b c d e f g h i"
    assert safe_label("   ") == "-"
