"""Answering: the answer and its assembly (`answer/`), the grounding checks (`grounding/`), the
LLM backends (`backends/`), sessions over many prompts or turns (`sessions/`), and `settings`."""
