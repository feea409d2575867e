"""Every knob of aisci, as an `AISCI_*` environment variable with a description.

`get_settings()` reads the environment each time it is called (cheap), so a test or a CLI option
that changes a variable takes effect at once. Lower layers (index, tools) never import this
module: they take their own small config objects, which `Settings` builds (`*_config()` methods).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Backend = Literal["auto", "openai", "local", "extractive"]


def _default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("aisci"))


class Settings(BaseSettings):
    """aisci's settings. Each field is read from `AISCI_<FIELD NAME>` unless its alias says otherwise."""

    model_config = SettingsConfigDict(env_prefix="AISCI_", extra="ignore", populate_by_name=True, env_ignore_empty=True)

    # --- where things live -------------------------------------------------------------------
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Cache directory: fetched sources, the Chroma database, model files.",
    )
    output_dir: Path = Field(
        default=Path("aisci-runs"),
        description="Where answers, demos and SR outputs are written (relative to the working directory).",
    )
    papers_dir: Path | None = Field(
        default=None,
        description="A folder of the user's PDFs named by arXiv id (e.g. 2008.08767.pdf), used before the network.",
    )
    weights_dir: Path | None = Field(
        default=None, description="Folder of SR weights files (default: <cache dir>/weights)."
    )
    models_dir: Path | None = Field(
        default=None, description="Folder of local LLM model files (default: <cache dir>/models)."
    )
    input_dir: Path | None = Field(
        default=None,
        description="An extra folder the run_sr_model tool may read images from (besides the working directory).",
    )

    # --- network and fetching ----------------------------------------------------------------
    offline: bool = Field(default=False, description="Never open a socket: use the cache, the papers folder and the prompt only.")
    arxiv_base_url: str = Field(default="https://arxiv.org", description="arXiv base URL (PDFs at /pdf/<id>, API at /api/query).")
    github_raw_base_url: str = Field(
        default="https://raw.githubusercontent.com",
        description="Base URL of raw GitHub files (READMEs at /<owner>/<repo>/HEAD/README.md).",
    )
    arxiv_delay_s: float = Field(default=3.0, description="Minimum seconds between two requests to the same host.")
    allow_loopback: bool = Field(default=False, description="Allow fetching from loopback/private addresses (tests).")
    fetch_timeout_s: float = Field(default=30.0, description="Timeout of one HTTP request, in seconds.")
    fetch_retries: int = Field(default=3, description="Retries of a failed HTTP request (exponential backoff).")
    fetch_deadline_s: float = Field(
        default=120.0, gt=0,
        description="Longest time one source's download may take in all (retries, redirects and a server that "
        "sends slowly included), in seconds.",
    )
    max_download_mb: float = Field(default=50.0, description="Largest file fetched, in MB (streamed; larger is refused).")
    chroma_url: str | None = Field(
        default=None, description="Use a Chroma server (e.g. http://127.0.0.1:8000) instead of the local database."
    )

    # --- answering -----------------------------------------------------------------------------
    backend: Backend = Field(
        default="auto",
        description="Answer backend: auto (openai if configured, else local if installed, else extractive), openai, local, extractive.",
    )
    llm_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AISCI_LLM_BASE_URL", "OPENAI_BASE_URL"),
        description="OpenAI-compatible endpoint (AISCI_LLM_BASE_URL, or OPENAI_BASE_URL).",
    )
    llm_model: str = Field(default="gpt-4o-mini", description="Model name at the OpenAI-compatible endpoint.")
    openai_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "AISCI_OPENAI_API_KEY"),
        description="API key for the OpenAI-compatible endpoint (OPENAI_API_KEY).",
        repr=False,
    )
    llm_timeout_s: float = Field(default=60.0, description="Timeout of one LLM request, in seconds.")
    llm_max_retries: int = Field(default=2, description="Retries of an LLM request on rate limits and transient errors.")
    llm_structured_output: Literal["function_calling", "json_schema"] = Field(
        default="function_calling",
        description="How the OpenAI-compatible model returns the answer's parts: function_calling (a forced tool call; "
        "works wherever tools work) or json_schema (response_format; for servers with JSON-schema output).",
    )
    local_model: Path | None = Field(
        default=None, description="Path to a GGUF model for the local backend (default: the embedded Qwen2.5-Coder-1.5B)."
    )
    local_ctx: int = Field(default=4096, description="Context window (tokens) of the local model.")
    local_threads: int | None = Field(default=None, description="CPU threads for the local model (default: all cores).")
    no_download: bool = Field(default=False, description="Never download model files or weights automatically.")
    top_k: int = Field(default=6, description="Passages retrieved per query.")

    # --- super-resolution ----------------------------------------------------------------------
    device: str = Field(default="auto", description="Device for SR models: auto (CUDA if available), cpu, cuda, cuda:N.")
    max_image_pixels: int = Field(
        default=40_000_000, description="Largest input image accepted, in pixels (guards against decompression bombs)."
    )
    max_sr_gflop: float | None = Field(
        default=None, gt=0,
        description="Most work one SR run may do, in GFLOP (output pixels × the model's cost per pixel), checked "
        "before it starts; default 10000 on the CPU (a few minutes), 500000 on CUDA. Raise it for bigger runs.",
    )
    set5_dir: Path | None = Field(
        default=None,
        description="Set5 folder (HR/ and LR_bicubic/X<s>/) for `aisci sr-eval --set5` (default: ../shared/testdata/sr/set5).",
    )
    sr_dtype: str = Field(
        default="auto",
        description="Precision of SR models: auto (float16 on CUDA, float32 on CPU), float32, float16, bfloat16.",
    )
    max_weights_mb: float = Field(
        default=2048.0, description="Largest SR weights download (a file or the authors' archive), in MB."
    )
    weights_loopback_url: str | None = Field(
        default=None,
        description="Tests only: with AISCI_ALLOW_LOOPBACK=1, SR weights downloads for the authors' hosts go to this "
        "loopback server (host as the first path segment); refused without AISCI_ALLOW_LOOPBACK.",
    )

    # --- the web app (aisci serve) -------------------------------------------------------------
    web_max_upload_mb: float = Field(
        default=10.0, gt=0, description="`aisci serve`: largest upload (an image or a prompt file), in MB."
    )
    web_max_image_pixels: int = Field(
        default=4_000_000, gt=0, description="`aisci serve`: largest image accepted by Run the model, in pixels."
    )
    web_queue_size: int = Field(
        default=8, gt=0, description="`aisci serve`: jobs that may wait in each queue (LLM, SR); more are refused."
    )

    def index_config(self) -> "IndexConfig":  # noqa: F821, UP037 - imported inside (index is a lower layer)
        """The index layer's configuration built from these settings."""
        from index.config import IndexConfig

        return IndexConfig(
            cache_dir=self.cache_dir,
            papers_dir=self.papers_dir,
            offline=self.offline,
            arxiv_base_url=self.arxiv_base_url,
            github_raw_base_url=self.github_raw_base_url,
            host_delay_s=self.arxiv_delay_s,
            allow_loopback=self.allow_loopback,
            timeout_s=self.fetch_timeout_s,
            retries=self.fetch_retries,
            deadline_s=self.fetch_deadline_s,
            max_download_mb=self.max_download_mb,
            chroma_url=self.chroma_url,
        )

    def sr_config(self) -> "SRConfig":  # noqa: F821, UP037 - imported inside (tools is a lower layer)
        """The SR zoo's configuration built from these settings (AISCI_OFFLINE implies no download)."""
        from tools.sr.config import SRConfig

        return SRConfig(
            cache_dir=self.cache_dir,
            weights_dir=self.resolved_weights_dir(),
            device=self.device,
            dtype=self.sr_dtype,
            max_image_pixels=self.max_image_pixels,
            max_work_gflop=self.max_sr_gflop,
            no_download=self.no_download or self.offline,
            offline=self.offline,
            allow_loopback=self.allow_loopback,
            weights_loopback_url=self.weights_loopback_url,
            max_weights_mb=self.max_weights_mb,
            download_timeout_s=self.fetch_timeout_s,
            download_retries=self.fetch_retries,
            input_dir=self.input_dir,
            output_dir=self.output_dir,
        )

    def resolved_weights_dir(self) -> Path:
        """The SR weights folder: AISCI_WEIGHTS_DIR or <cache dir>/weights."""
        return self.weights_dir or self.cache_dir / "weights"

    def resolved_models_dir(self) -> Path:
        """The local LLM models folder: AISCI_MODELS_DIR or <cache dir>/models."""
        return self.models_dir or self.cache_dir / "models"


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with keyword overrides (e.g. from CLI options)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting, for docs and `aisci doctor`."""
    rows = []
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        env = " / ".join(alias.choices) if isinstance(alias, AliasChoices) else f"AISCI_{name.upper()}"
        default = "(computed)" if info.default_factory else repr(info.default)
        rows.append((env, default, info.description or ""))
    return rows


def settings_markdown() -> str:
    """The configuration table of README.md (kept in sync by a test: regenerate with
    `python -m agent.settings`)."""
    lines = ["| variable | default | what it does |", "|---|---|---|"]
    for env, default, description in describe_settings():
        default = default.replace("PosixPath(", "").replace(")", "") if "PosixPath" in default else default
        lines.append(f"| `{env}` | {default} | {description} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(settings_markdown())
