"""``asprules serve``: the rulesets as an HTTP decision service (the ``serve`` extra).

Ticketing systems that are not Python (ServiceNow, Jira Service Management) call it over
HTTP, as they would OPA's REST API. The wing has four parts, bottom to top:

- :mod:`.metrics`: a small exact Prometheus text writer and the service's metric families;
- :mod:`.rules`: the current rules as one immutable snapshot, reloaded aside and swapped
  whole (on a change of the rule files or on SIGHUP);
- :mod:`.core`: reading a body, deciding one fact or a batch, the decision log, tokens;
- :mod:`.app`: the Starlette routes (the only module that imports Starlette) and
  :mod:`.openapi`, the OpenAPI document built from the fact schemas actually loaded.

    from starlette.testclient import TestClient
    from asprules.service import ServiceConfig, create_app

    with TestClient(create_app(ServiceConfig())) as client:
        client.post("/v1/grade", json=incident).json()["level"]

docs/service.md is the user's page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .core import RequestError, Service, ServiceConfig

if TYPE_CHECKING:
    from starlette.applications import Starlette


def create_app(config: ServiceConfig | None = None, *, service: Service | None = None) -> Starlette:
    """The ASGI application (see :func:`asprules.service.app.create_app`); needs the serve extra."""
    from .app import create_app as build

    return build(config, service=service)


__all__ = ["RequestError", "Service", "ServiceConfig", "create_app"]
