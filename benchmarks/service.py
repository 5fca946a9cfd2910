"""``asprules serve`` under load: requests/s, p50/p99 latency, and the ratio to in-process calls.

    .venv/bin/python benchmarks/service.py [--clients 8] [--requests 2000] [--repeat 3] [--batch 1]

Starts a real ``asprules serve`` process on 127.0.0.1 (a free port, the bundled rules,
no watcher), then each round runs ``--clients`` threads, each with one keep-alive
connection (``http.client``, the lightest client in the standard library), posting
``--requests`` incidents each (``--batch`` facts per request). Every answer is checked:
a non-200 or a decision other than the library's is an error, and the script fails on
any. The reference, measured in the same round, is ``asprules.grade(dict, rules)`` called
in-process on the same incidents (plain dicts, validated as the service validates them).

The figures: HTTP requests/s and facts/s (all clients), latency p50/p99 per request,
and *ratio* = in-process facts/s ÷ HTTP facts/s (how many times dearer a decision over
HTTP is), min and median over ``--repeat`` rounds. On 2 shared cores the clients and the
server compete for the same CPUs, so the figures are a floor, not a capacity plan.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asprules  # noqa: E402
from workload import incident_dicts  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"listening on http://(127\.0\.0\.1):(\d+)")


def start_server(args: list[str]) -> tuple[subprocess.Popen, str, int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "asprules", "serve", "--port", "0", "--watch", "0", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        found = LISTENING.search(line)
        if found:
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep draining the log
            return proc, found.group(1), int(found.group(2))
    raise SystemExit(f"asprules serve did not start (exit {proc.wait()})")


def run_round(host: str, port: int, bodies: list[bytes], expected: list[object], clients: int, requests: int) -> tuple[float, list[float], list[str]]:
    """(seconds, latencies, errors) of ``clients`` threads × ``requests`` posts each."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    barrier = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        conn.connect()
        mine = latencies[n]
        barrier.wait()
        for i in range(requests):
            k = (n * 7919 + i) % len(bodies)
            started = time.perf_counter()
            try:
                conn.request("POST", "/v1/grade", bodies[k], {"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"request {i} of client {n}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
                continue
            mine.append(time.perf_counter() - started)
            if response.status != 200 or json.loads(data) != expected[k]:
                errors.append(f"request {i} of client {n}: {response.status} {data[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - started, [x for mine in latencies for x in mine], errors


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000, help="per client")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=1, help="facts per request (1: one fact, a JSON object)")
    args = parser.parse_args(argv)
    rules = asprules.load_rulesets(REPO / "rulesets")
    facts = incident_dicts(512)
    if args.batch == 1:
        groups = [[f] for f in facts]
        bodies = [json.dumps(f).encode() for f in facts]
    else:
        groups = [[facts[(i + j) % len(facts)] for j in range(args.batch)] for i in range(0, len(facts), args.batch)]
        bodies = [json.dumps(g).encode() for g in groups]

    def payload(fact: dict) -> dict:
        return asprules.grade(fact, rules).to_json(fact_id=fact["id"])  # the decision contract, as the service answers

    expected = [payload(g[0]) if args.batch == 1 else {"decisions": [payload(f) for f in g]} for g in groups]
    proc, host, port = start_server(["--rules", str(REPO / "rulesets"), "--max-batch", str(max(1000, args.batch))])
    figures: dict[str, list[float]] = {"requests/s": [], "facts/s": [], "p50 ms": [], "p99 ms": [], "in-process facts/s": [], "ratio": []}
    try:
        run_round(host, port, bodies, expected, args.clients, max(1, args.requests // 20))  # warm up both sides
        total_facts = args.clients * args.requests * args.batch
        for _ in range(args.repeat):
            seconds, latencies, errors = run_round(host, port, bodies, expected, args.clients, args.requests)
            if errors:
                raise SystemExit(f"{len(errors)} errors, first: {errors[0]}")
            reference = [facts[i % len(facts)] for i in range(total_facts)]
            started = time.perf_counter()
            for fact in reference:
                asprules.grade(fact, rules)
            in_process = total_facts / (time.perf_counter() - started)
            figures["requests/s"].append(args.clients * args.requests / seconds)
            figures["facts/s"].append(total_facts / seconds)
            figures["p50 ms"].append(percentile(latencies, 0.50) * 1000)
            figures["p99 ms"].append(percentile(latencies, 0.99) * 1000)
            figures["in-process facts/s"].append(in_process)
            figures["ratio"].append(in_process / (total_facts / seconds))
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"asprules serve: {args.clients} clients x {args.requests} requests x {args.batch} fact(s), {args.repeat} rounds, no error")
    out = {}
    for name, values in figures.items():
        out[name] = (min(values), statistics.median(values))
        print(f"  {name:<20} min {out[name][0]:>10,.2f}   median {out[name][1]:>10,.2f}")
    print("  ratio = in-process facts/s / HTTP facts/s (how many times dearer a decision over HTTP is)")
    return out


if __name__ == "__main__":
    main()
