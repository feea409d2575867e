"""The local backend: the embedded GGUF model — its installer (PyPI parts), its llama.cpp runtime,
and the schema-held answer chain."""
