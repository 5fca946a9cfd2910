"""The HTTP face of the service: a Starlette application over :class:`~asprules.service.core.Service`.

Each route reads the request on the event loop and hands the rest (JSON parsing,
validation, evaluation, the decision log, serialization) to a worker thread, so a large
batch never keeps ``/healthz`` or another client waiting on the loop. Every error is a
typed JSON body (:meth:`AspRulesError.to_json` shape, with field paths), never a traceback.

Every route answers in the request's language (``?lang=en|zh``, else ``Accept-Language``,
else English: :func:`~asprules.service.core.language`): the decisions' texts, and the
summary and problem messages of an error body; an unsupported ``lang=`` is a 400.
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from typing import Any, Awaitable, Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import AspRulesError, Problem
from ..i18n import DEFAULT_LANGUAGE, error_json, problem, said
from .core import RequestError, Service, ServiceConfig, dumps, language, refused, status_of
from .metrics import CONTENT_TYPE

log = logging.getLogger("asprules.service")
JSON = "application/json"
SHA_HEADER = "X-Asprules-Ruleset-Sha256"
ID_HEADER = "X-Asprules-Decision-Id"
_HTTP_ERRORS = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed", 413: "PayloadTooLarge"}


def _error(exc: AspRulesError, lang: str = DEFAULT_LANGUAGE, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(error_json(exc, lang)), status_of(exc), headers=headers, media_type=JSON)


def _language(request: Request) -> tuple[str, RequestError | None]:
    """The request's answer language, and the refusal of an unsupported ``lang=`` (:func:`.core.language`)."""
    return language(request.query_params, request.headers.get("accept-language"))


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it is known to pass ``limit`` bytes."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise refused(400, "BadRequest", "bad_content_length", [problem("got_value", value=repr(length[:40]))])
        if int(length) > limit:
            raise refused(413, "PayloadTooLarge", "body_of_bytes", [problem("at_most_bytes", limit=limit)], size=length)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise refused(413, "PayloadTooLarge", "body_too_large", [problem("at_most_bytes", limit=limit)])
        chunks.append(chunk)
    return b"".join(chunks)


Handler = Callable[[Request], Awaitable[Response]]


def create_app(config: ServiceConfig | None = None, *, service: Service | None = None) -> Starlette:
    """The ASGI application of ``asprules serve``; loads the rules now (raises on bad rules).

    The watcher thread that reloads changed rules runs while the application's lifespan
    does (``uvicorn``, or ``with TestClient(app)``).
    """
    service = service or Service(config or ServiceConfig())
    metrics = service.metrics

    def route(name: str, handler: Handler, *, protected: bool = True) -> Handler:
        async def endpoint(request: Request) -> Response:
            started = time.perf_counter()
            metrics.inc("asprules_requests_in_flight", 1, route=name)
            lang, refusal = _language(request)
            request.state.lang = lang
            try:
                if protected and not service.authorized(request.headers.get("authorization")):
                    response = _error(
                        refused(401, "Unauthorized", "token_required", [problem("send_bearer")]), lang, {"WWW-Authenticate": "Bearer"}
                    )
                elif refusal is not None:
                    response = _error(refusal, lang)
                else:
                    try:
                        response = await handler(request)
                    except AspRulesError as exc:
                        response = _error(exc, lang)
            except Exception:  # a bug: logged with its traceback here, a one-line body there
                log.exception("internal error answering %s %s", request.method, request.url.path)
                response = Response(dumps(_internal(lang)), 500, media_type=JSON)
            finally:
                metrics.inc("asprules_requests_in_flight", -1, route=name)
            metrics.inc("asprules_requests_total", route=name, status=str(response.status_code))
            metrics.observe("asprules_request_duration_seconds", time.perf_counter() - started, route=name)
            return response

        return endpoint

    def deciding(kind: str) -> Handler:
        async def handler(request: Request) -> Response:
            body = await _body(request, service.config.max_body)
            query = dict(request.query_params)
            answer = await run_in_threadpool(service.decide, kind, body, query, request.state.lang)  # type: ignore[arg-type]
            service.count(kind, answer)  # type: ignore[arg-type]
            headers = {SHA_HEADER: answer.ruleset.sha256}
            if len(answer.decision_ids) == 1:
                headers[ID_HEADER] = answer.decision_ids[0]
            return Response(answer.body, 200, headers=headers, media_type=JSON)

        return handler

    async def rulesets(request: Request) -> Response:
        return Response(dumps(service.rulesets()), media_type=JSON)

    async def openapi(request: Request) -> Response:
        return Response(dumps(service.source.current.extras["openapi"]), media_type=JSON)

    async def healthz(request: Request) -> Response:
        return Response(dumps({"status": "ok"}), media_type=JSON)

    async def readyz(request: Request) -> Response:
        return Response(dumps(service.readiness()), media_type=JSON)

    async def scrape(request: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        name = _HTTP_ERRORS.get(exc.status_code, "HTTPError")
        lang = _language(request)[0]
        summary = said(f"summary.http_{exc.status_code}") if exc.status_code in (404, 405) else str(exc.detail)
        shown = Problem(f"{request.method} {request.url.path}")
        response = _error(RequestError(exc.status_code, name, summary, [shown]), lang, dict(exc.headers or {}))
        metrics.inc("asprules_requests_total", route="other", status=str(exc.status_code))
        return response

    async def internal(request: Request, exc: Exception) -> Response:
        log.error("internal error answering %s %s", request.method, request.url.path, exc_info=exc)
        return Response(dumps(_internal(_language(request)[0])), 500, media_type=JSON)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        service.source.start(service.config.watch)
        try:
            yield
        finally:
            service.close()

    routes = [
        Route("/v1/grade", route("grade", deciding("grade")), methods=["POST"]),
        Route("/v1/authorize", route("authorize", deciding("authorize")), methods=["POST"]),
        Route("/v1/rulesets", route("rulesets", rulesets), methods=["GET"]),
        Route("/v1/openapi.json", route("openapi", openapi), methods=["GET"]),
        Route("/healthz", route("healthz", healthz, protected=False), methods=["GET"]),
        Route("/readyz", route("readyz", readyz, protected=False), methods=["GET"]),
        Route("/metrics", route("metrics", scrape), methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: internal}, lifespan=lifespan)
    app.state.service = service
    return app


def _internal(lang: str) -> dict[str, Any]:
    return {"error": "InternalError", "summary": said("summary.internal_service").render(lang), "problems": []}


__all__ = ["create_app"]
