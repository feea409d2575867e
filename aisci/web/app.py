"""The FastAPI app of `aisci serve`: the page, its static files, the job API, the error shape and
the security rules.

- Every error is JSON `{"error": "<one line>"}` with a fitting status; the page shows the line.
- The page loads nothing from outside (a Content-Security-Policy of 'self' only, no CDN, no font).
- State-changing requests need the page's own header (`X-Aisci: 1`), which a form on another site
  cannot send; on a loopback bind the Host header must be a loopback name (no DNS rebinding).
- The browser's session is an HttpOnly, SameSite=Strict cookie naming server-side state.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from aisci.web.hosts import host_name, is_loopback
from aisci.web.images import TooLarge
from aisci.web.jobs import Busy, JobQueue
from aisci.web.state import BrowserSession, IndexCache, NotFound, PromptCatalog, SessionStore, WebConfig
from prompts import AisciError

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "aisci_session"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
_STATIC_FILES = {"app.js": "text/javascript", "run.js": "text/javascript", "app.css": "text/css",
                 "favicon.svg": "image/svg+xml"}
log = logging.getLogger("aisci.web")


@dataclass
class WebState:
    """Everything the routes share."""

    config: WebConfig
    catalog: PromptCatalog
    sessions: SessionStore
    indexes: IndexCache
    llm: JobQueue
    sr: JobQueue

    def job(self, job_id: str, owner: str):
        for q in (self.llm, self.sr):
            job = q.get(job_id, owner)
            if job is not None:
                return q, job
        raise NotFound("no such job (it finished long ago, or belongs to another browser)")


def web(request: Request) -> WebState:
    return request.app.state.web


def browser(request: Request, response: Response) -> BrowserSession:
    """The browser's session (a fresh one, with its cookie set, on the first request)."""
    session, created = web(request).sessions.get(request.cookies.get(COOKIE))
    if created:
        response.set_cookie(COOKIE, session.id, httponly=True, samesite="strict", path="/")
    return session


State = Annotated[WebState, Depends(web)]
Browser = Annotated[BrowserSession, Depends(browser)]


def page_request(request: Request) -> None:
    """Dependency of every state-changing route: only the page's own script sends this header."""
    if request.headers.get("x-aisci") != "1":
        raise AisciError("refused: missing the X-Aisci header the page sends (cross-site request?)")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(config: WebConfig) -> FastAPI:
    """The app for `config` (its queues start at once; `app.state.web.llm.close()` stops them)."""
    from aisci.web import ask, run_model

    app = FastAPI(title="aisci", docs_url=None, redoc_url=None, openapi_url=None)
    settings = config.settings
    app.state.web = WebState(
        config=config,
        catalog=PromptCatalog(config.prompts_dir),
        sessions=SessionStore(),
        indexes=IndexCache(settings),
        llm=JobQueue("LLM", max_waiting=settings.web_queue_size),
        sr=JobQueue("SR", max_waiting=settings.web_queue_size),
    )

    loopback_only = is_loopback(config.host)

    @app.middleware("http")
    async def guard_and_headers(request: Request, call_next):
        host = host_name(request.headers.get("host") or "")
        if loopback_only and not is_loopback(host):
            return _error(421, f"refused: this server answers only on loopback names, not {host!r}")
        length = request.headers.get("content-length")
        if request.method == "POST" and not (length and length.isdigit()):
            # The body's size must be known before it is read (a chunked upload could fill the disk).
            return _error(411, "refused: a POST needs a Content-Length (the page's own requests have one)")
        if length and length.isdigit() and int(length) > config.max_upload_bytes + 64_000:
            return _error(413, f"the upload is {int(length) / 1e6:.1f} MB, over the limit of "
                               f"{config.max_upload_bytes / 1e6:g} MB (AISCI_WEB_MAX_UPLOAD_MB)")
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(AisciError)
    async def one_line_error(request: Request, exc: AisciError):
        status = 404 if isinstance(exc, NotFound) else 503 if isinstance(exc, Busy) else \
            413 if isinstance(exc, TooLarge) else 400
        return _error(status, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
        return _error(400, f"bad request: {where or 'input'}: {first.get('msg', 'invalid')}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("request %s failed", request.url.path)
        return _error(500, f"internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")

    @app.get("/", include_in_schema=False)
    def index_page(session: Browser):
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str):
        if name not in _STATIC_FILES:  # a fixed list: no client-named path is opened
            raise NotFound(f"no static file {name!r}")
        return FileResponse(STATIC / name, media_type=_STATIC_FILES[name], headers={"Cache-Control": "no-cache"})

    @app.get("/api/info")
    def info(state: State, session: Browser):
        s = state.config.settings
        return {"backend": getattr(state.config.backend, "name", "?"), "backend_reason": state.config.backend_reason,
                "offline": s.offline, "device": s.device, "prompts_dir": state.catalog.folder.name,
                "limits": {"upload_mb": s.web_max_upload_mb, "image_pixels": s.web_max_image_pixels,
                           "work_gflop": s.max_sr_gflop, "queue": s.web_queue_size},
                "queues": {"llm": state.llm.stats(), "sr": state.sr.stats()}}

    @app.get("/api/jobs/{job_id}")
    def job_status(job_id: str, state: State, session: Browser, after: int = 0):
        q, job = state.job(job_id, session.id)
        return q.snapshot(job, after)

    ask.add_routes(app)
    run_model.add_routes(app)
    threading.Thread(target=_warm_up, args=(app.state.web,), name="aisci-warm-up", daemon=True).start()
    return app


def _warm_up(state: WebState) -> None:
    """Import the SR zoo (torch) and checksum the installed weights now, in the background, so the
    first page load does not wait for them."""
    from aisci.web.run_model import model_options

    try:
        for entry in state.catalog.entries.values():
            if entry.prompt is not None:
                model_options(entry.prompt, state.config.settings)
    except Exception:  # noqa: BLE001 - only a warm-up: the page reports real errors itself
        log.debug("warm-up failed", exc_info=True)
