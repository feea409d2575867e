"""Grounding: the guard run on every answer, the scope check (models the sources do not cover),
the vocabulary of outside model names, and recognition of injected instructions."""
