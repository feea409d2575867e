"""What the agent can call: `sr/` (the SR model zoo and runner), `run_sr_model` and `search_papers`
(LangChain tools whose arguments come from an LLM, so every argument is checked)."""
