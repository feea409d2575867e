"""Errors of an OpenAI-compatible endpoint, turned into one clear line each.

The `openai` client raises typed exceptions (401, 404, 429, connection refused, timeout); the CLI
prints an `AisciError` as `error: <message>` and exits 2, so each becomes a subclass of it whose
message says what went wrong and which setting to check.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prompts.errors import AisciError
from prompts.text import shorten

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
DETAIL_CHARS = 200


class LLMEndpointError(AisciError):
    """The OpenAI-compatible endpoint could not be used."""


class LLMConfigError(LLMEndpointError):
    """The endpoint is not configured (no key and no base URL)."""


class LLMAuthError(LLMEndpointError):
    """The endpoint rejected the API key (HTTP 401/403)."""


class LLMModelNotFound(LLMEndpointError):
    """The endpoint does not serve the model (HTTP 404)."""


class LLMUnreachable(LLMEndpointError):
    """Nothing answers at the endpoint, or it did not answer in time."""


class LLMRateLimited(LLMEndpointError):
    """The endpoint kept answering HTTP 429 after the retries."""


class LLMRequestRejected(LLMEndpointError):
    """The endpoint refused the request (HTTP 400/422/5xx)."""


def _detail(exc: Exception) -> str:
    """The server's own message, on one short line."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):  # the server's JSON error: {"message": ...} or {"error": {"message": ...}}
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        message = inner.get("message") or getattr(exc, "message", None) or str(exc)
    else:
        message = getattr(exc, "message", None) or str(exc)
    return shorten(str(message), DETAIL_CHARS)


def translate(exc: Exception, base_url: str | None, model: str, timeout_s: float, retries: int) -> Exception:
    """The `LLMEndpointError` for an `openai` exception, or `exc` itself when it is not one."""
    import openai

    where = base_url or OPENAI_DEFAULT_URL
    if isinstance(exc, openai.AuthenticationError):
        return LLMAuthError(
            f"the endpoint {where} rejected the API key (HTTP 401: {_detail(exc)}); set OPENAI_API_KEY to a valid key"
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return LLMAuthError(f"the endpoint {where} refused access to model {model!r} (HTTP 403: {_detail(exc)})")
    if isinstance(exc, openai.NotFoundError):
        return LLMModelNotFound(
            f"model {model!r} not found at {where} (HTTP 404: {_detail(exc)}); check AISCI_LLM_MODEL, and that "
            "AISCI_LLM_BASE_URL ends with /v1"
        )
    if isinstance(exc, openai.RateLimitError):
        return LLMRateLimited(
            f"the endpoint {where} is rate-limiting requests (HTTP 429) after {retries} retries: {_detail(exc)}; "
            "wait and try again, or raise AISCI_LLM_MAX_RETRIES"
        )
    if isinstance(exc, openai.APITimeoutError):
        return LLMUnreachable(
            f"the endpoint {where} did not answer within {timeout_s:g} s ({retries} retries); raise AISCI_LLM_TIMEOUT_S "
            "or check the server"
        )
    if isinstance(exc, openai.APIConnectionError):
        return LLMUnreachable(
            f"cannot reach the endpoint {where} ({_detail(exc.__cause__ or exc)}); is the server running? "
            "check AISCI_LLM_BASE_URL"
        )
    if isinstance(exc, openai.APIStatusError):
        hint = "; does the model support tool calling?" if exc.status_code in (400, 422) else ""
        return LLMRequestRejected(
            f"the endpoint {where} refused the request for model {model!r} (HTTP {exc.status_code}: {_detail(exc)}){hint}"
        )
    return exc


@contextmanager
def endpoint_errors(base_url: str | None, model: str, timeout_s: float, retries: int) -> Iterator[None]:
    """Re-raise `openai` exceptions raised inside the block as one-line `LLMEndpointError`s."""
    try:
        yield
    except Exception as exc:
        translated = translate(exc, base_url, model, timeout_s, retries)
        if translated is exc:
            raise
        raise translated from None
