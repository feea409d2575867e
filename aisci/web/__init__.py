"""`aisci serve`: the web app (one page: Ask, Chat, Run the model, Sources).

Small modules, one job each: `config` (what the server was started with), `jobs` (the one-at-a-time
queues), `state` (prompts, browser sessions, indexes), `answer_html` and `svg` (answers rendered as
escaped HTML and the workflow as server-side SVG), `images` (upload checks), `ask` and `run_model`
(the routes of each area) and `app` (the page, the API wiring and the security headers). The
answer, chat and SR code is the CLI's own, imported from `agent` and `tools`.
"""
