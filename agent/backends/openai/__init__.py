"""The OpenAI-compatible backend: a LangChain tool-calling agent, structured output validated part
by part, and one-line endpoint errors."""
