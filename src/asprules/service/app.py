"""The HTTP face of the service: a Starlette application over :class:`~asprules.service.core.Service`.

Each route reads the request on the event loop and hands the rest (JSON parsing,
validation, evaluation, the decision log, serialization) to a worker thread, so a large
batch never keeps ``/healthz`` or another client waiting on the loop. Every error is a
typed JSON body (:meth:`AspRulesError.to_json` shape, with field paths), never a traceback.
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
from .core import RequestError, Service, ServiceConfig, dumps, status_of
from .metrics import CONTENT_TYPE

log = logging.getLogger("asprules.service")
JSON = "application/json"
SHA_HEADER = "X-Asprules-Ruleset-Sha256"
ID_HEADER = "X-Asprules-Decision-Id"
_HTTP_ERRORS = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed", 413: "PayloadTooLarge"}


def _error(exc: AspRulesError, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(exc.to_json()), status_of(exc), headers=headers, media_type=JSON)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it is known to pass ``limit`` bytes."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise RequestError(400, "BadRequest", "bad Content-Length", [Problem(f"got {length[:40]!r}")])
        if int(length) > limit:
            raise RequestError(413, "PayloadTooLarge", f"request body of {length} bytes", [Problem(f"at most {limit} bytes")])
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, "PayloadTooLarge", "request body too large", [Problem(f"at most {limit} bytes")])
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
            try:
                if protected and not service.authorized(request.headers.get("authorization")):
                    response = _error(
                        RequestError(401, "Unauthorized", "a bearer token is required", [Problem("send Authorization: Bearer TOKEN")]),
                        {"WWW-Authenticate": "Bearer"},
                    )
                else:
                    try:
                        response = await handler(request)
                    except AspRulesError as exc:
                        response = _error(exc)
            except Exception:  # a bug: logged with its traceback here, a one-line body there
                log.exception("internal error answering %s %s", request.method, request.url.path)
                response = Response(dumps(_internal()), 500, media_type=JSON)
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
            answer = await run_in_threadpool(service.decide, kind, body, query)  # type: ignore[arg-type]
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
        problem = Problem(f"{request.method} {request.url.path}")
        response = _error(RequestError(exc.status_code, name, str(exc.detail), [problem]), dict(exc.headers or {}))
        metrics.inc("asprules_requests_total", route="other", status=str(exc.status_code))
        return response

    async def internal(request: Request, exc: Exception) -> Response:
        log.error("internal error answering %s %s", request.method, request.url.path, exc_info=exc)
        return Response(dumps(_internal()), 500, media_type=JSON)

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


def _internal() -> dict[str, Any]:
    return {"error": "InternalError", "summary": "internal error; please report it (the service log has the details)", "problems": []}


__all__ = ["create_app"]
