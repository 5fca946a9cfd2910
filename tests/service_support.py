"""A real ``asprules serve`` process on 127.0.0.1 for the service's tests, and fact files as JSON."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx

from asprules.source import parse_file

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def plain(data: Any) -> Any:
    """Data read from YAML as a ticketing system would send it: JSON (datetimes as ISO 8601)."""
    return json.loads(json.dumps(data, default=lambda o: o.isoformat() if isinstance(o, (date, datetime)) else str(o)))


def fact_file(path: str | Path) -> dict[str, Any]:
    return plain(parse_file(path).data)


class Server:
    """``python -m asprules serve ARGS --port 0``; its log lines are collected as they come."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, start_timeout: float = 30.0):
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "asprules", "serve", "--port", "0", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self._listening = threading.Event()
        self.url = ""
        threading.Thread(target=self._read, daemon=True).start()
        self._listening.wait(start_timeout)
        if not self.url:
            self.stop()
            raise AssertionError(f"the server did not start (exit {self.proc.returncode}):\n" + "\n".join(self.lines))

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            found = LISTENING.search(line)
            if found and not self.url:
                self.url = found.group(1)
                self._listening.set()
        self._listening.set()  # the process ended (or closed stderr) without listening

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30.0, **kw)

    def log_text(self) -> str:
        return "\n".join(self.lines)

    def wait_for_log(self, needle: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log_text():
                return
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} not logged:\n{self.log_text()}")

    def hangup(self) -> None:
        self.proc.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def samples(text: str) -> dict[str, float]:
    """A Prometheus text page as {sample with its labels: value}."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out
