"""The answer: its schema, what a backend is given (context), how it is composed, the workflow
graph and its Mermaid diagram, and the Markdown/JSON renderers."""
