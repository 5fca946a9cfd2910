"""``asprules serve``: the rulesets as an HTTP decision service (docs/service.md).

Starlette and uvicorn are the ``serve`` extra and are imported only here, when the
command runs, so every other command starts as fast without them.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from .. import i18n
from ..errors import AspRulesError
from .common import EXIT_ERROR, EXIT_OK, add_language, add_rules, project_rules

if TYPE_CHECKING:
    import socket

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def _listening_socket(host: str, port: int) -> socket.socket:
    import socket  # here, with logging and signal below: the other commands start without them

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP by name: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it every answer waits ~40 ms for a delayed ACK (20 requests/s instead of 1,000s).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise i18n.error(AspRulesError, "cannot_listen", [i18n.os_problem(exc)], host=host, port=port) from None
    sock.listen(2048)
    return sock


def cmd_serve(args) -> int:
    import logging
    import signal

    try:
        import uvicorn

        from ..service import ServiceConfig, create_app
    except ImportError as exc:
        print(i18n.text("serve.needs_extra", args.lang, error=str(exc)), file=sys.stderr)
        return EXIT_ERROR
    config = ServiceConfig(
        rules=tuple(args.rules or project_rules()),
        token_file=args.token_file,
        token_env=args.token_env,
        max_body=args.max_body,
        max_batch=args.max_batch,
        watch=args.watch,
        log=args.log,
        log_mask=tuple(args.log_mask or ()),
        log_fsync=args.log_fsync,
        lang=args.lang,
    )
    app = create_app(config)  # loads the rules: bad rules stop here, exit 2
    service = app.state.service
    sock = _listening_socket(args.host, args.port)
    host, port = sock.getsockname()[:2]
    signal.signal(signal.SIGHUP, lambda signum, frame: service.source.request_reload("SIGHUP"))
    log = logging.getLogger("asprules.service")  # the service's own log, on stderr; uvicorn keeps its own
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    say = lambda key, **params: i18n.text(key, args.lang, **params)  # noqa: E731
    for r in service.source.current.rulesets():
        log.info("%s", say("serve.serving", kind=r["kind"], id=r["id"], version=r["version"], sha256=r["sha256"]))
    if not service.tokens and host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("%s", say("serve.open_without_tokens", host=host))
    shown = f"[{host}]" if ":" in host else host
    reload = say("serve.reload_polled", seconds=f"{config.watch:g}") if config.watch > 0 else say("serve.reload_sighup")
    log.info("%s", say("serve.listening", url=f"http://{shown}:{port}", reload=reload))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=args.access_log, lifespan="on", timeout_keep_alive=30, server_header=False)
    )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return EXIT_OK


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"must not be negative: {text}")
        return value

    return parse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the rulesets over HTTP (needs the serve extra; see docs/service.md)")
    add_rules(p)
    add_language(p)
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST}, this machine only)")
    p.add_argument("--port", type=_positive(int), default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0: any free port, logged)")
    p.add_argument("--token-file", metavar="FILE", help="require a bearer token, one of those in FILE (one a line); SIGHUP rereads it")
    p.add_argument("--token-env", metavar="VAR", help="require a bearer token, one of those in $VAR (separated by spaces or commas)")
    p.add_argument("--max-body", type=_positive(int), default=1 << 20, metavar="BYTES", help="largest request body (default: 1 MiB)")
    p.add_argument("--max-batch", type=_positive(int), default=1000, metavar="N", help="most facts in one batch (default: 1000)")
    p.add_argument(
        "--watch", type=_positive(float), default=2.0, metavar="SECONDS",
        help="poll the rule files this often and reload on a change (default: 2; 0: reload on SIGHUP only)",
    )
    p.add_argument("--log", metavar="FILE", help="append every decision to this JSONL audit log (see docs/integration.md)")
    p.add_argument("--log-mask", action="append", metavar="FIELD", help="input field (dotted path) the log must not hold (repeatable)")
    p.add_argument("--log-fsync", action="store_true", help="also fsync the log after each decision")
    p.add_argument("--access-log", action="store_true", help="log every request (uvicorn's access log)")
    p.set_defaults(func=cmd_serve, format="text")
