"""compose.answer_prompt(on_part=...): parts handed out one by one, in order, each guarded."""

from __future__ import annotations

from answer_support import SEEDS

from agent.answer.compose import answer_prompt
from agent.answer.render import task_section
from agent.backends.extractive import ExtractiveBackend


def test_parts_come_in_order_and_the_last_is_the_final_answer(seed_indexes, offline_settings):
    prompt, index = seed_indexes(SEEDS[0])
    seen = []
    final = answer_prompt(prompt, offline_settings, ExtractiveBackend(), index=index,
                          on_part=lambda part, answer: seen.append((part, answer)))
    assert [part for part, _ in seen] == ["task", "workflow", "references"]
    first = seen[0][1]
    assert task_section(first) == task_section(final)  # part 1 as shown early is part 1 of the answer
    assert first.workflow.steps == [] and not first.refused  # nothing not yet written is "repaired"
    assert seen[-1][1] is final


def test_a_part_is_guarded_before_it_is_handed_out(seed_indexes, offline_settings):
    prompt, index = seed_indexes(SEEDS[0])

    class Leaky(ExtractiveBackend):
        def draft(self, ctx, on_part=None, progress=None):
            def leak(part, draft):
                if part == "task":
                    draft.task.text += " See https://evil.example/x for more."
                if on_part:
                    on_part(part, draft)
            return super().draft(ctx, leak, progress)

    shown = {}
    answer_prompt(prompt, offline_settings, Leaky(), index=index, on_part=lambda part, a: shown.setdefault(part, a))
    assert "evil.example" not in task_section(shown["task"])
