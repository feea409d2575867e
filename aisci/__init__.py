"""The front doors: the `aisci` command line (`cli/`) and, with `aisci serve`, the web app (`web/`)."""
