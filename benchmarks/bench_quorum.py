"""AI quorum latency: four models at 100 ms each, on a local server.

A threaded HTTP/1.1 server on 127.0.0.1 answers every provider format after a
fixed delay (100 ms). Measured in one process and run:

- ``quorum_ms``: one ``AIQuorum.validate_code`` over four models (Gemini,
  GLM x2, Codestral wire formats), median of the repetitions;
- ``overhead_ms``: ``quorum_ms`` minus the slowest model call the quorum saw;
- ``beyond_latency_ms``: ``quorum_ms`` minus the server delay;
- baselines: four bare ``httpx`` POSTs in parallel (``raw_parallel_ms``) and
  the four quorum calls one after another (``sequential_ms``).

Run: ``python3 benchmarks/run.py --only quorum`` (or this file directly).
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import structlog

from omninode_bridge.agents.workflows import (
    DEFAULT_QUORUM_MODELS,
    AIQuorum,
    CodestralClient,
    GeminiClient,
    GLMClient,
    LLMClient,
    ValidationContext,
)

LATENCY_S = 0.100
TARGET_MS = 110.0
VERDICT = json.dumps({"vote": True, "confidence": 0.9, "reasoning": "ok"})
CODE = "async def execute_effect(self, contract):\n    return None\n"


def _payload(path: str) -> bytes:
    usage_chat = {"prompt_tokens": 900, "completion_tokens": 30}
    if path.endswith(":generateContent"):
        body: dict[str, Any] = {
            "candidates": [{"content": {"parts": [{"text": VERDICT}]}}],
            "usageMetadata": {"promptTokenCount": 900, "candidatesTokenCount": 30},
        }
    else:
        body = {"choices": [{"message": {"content": VERDICT}}], "usage": usage_chat}
    return json.dumps(body).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        time.sleep(LATENCY_S)  # the simulated model latency
        payload = _payload(self.path)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


def _clients(base: str) -> dict[str, LLMClient]:
    return {
        "gemini": GeminiClient("gemini", "gemini-1.5-pro", "k", f"{base}/gemini/v1beta"),
        "glm-4.5": GLMClient("glm-4.5", "glm-4.5", "k", f"{base}/glm/api/paas/v4"),
        "glm-air": GLMClient("glm-air", "glm-4.5-air", "k", f"{base}/glmair/api/paas/v4"),
        "codestral": CodestralClient("codestral", "codestral-latest", "k", f"{base}/mistral/v1"),
    }


async def _measure(base: str, repetitions: int) -> dict[str, Any]:
    context = ValidationContext(node_type="effect")
    quorum = AIQuorum(DEFAULT_QUORUM_MODELS, auto_register=False)
    clients = _clients(base)
    for model_id, client in clients.items():
        quorum.register_client(model_id, client)
    await quorum.initialize()
    await quorum.validate_code(CODE, context)  # warm-up: open the connections
    totals, overheads = [], []
    for _ in range(repetitions):
        result = await quorum.validate_code(CODE, context)
        totals.append(result.duration_ms)
        overheads.append(result.duration_ms - max(v.duration_ms for v in result.votes))
    sequential = []
    for _ in range(max(1, repetitions // 5)):
        started = time.perf_counter()
        for client in clients.values():
            await client.evaluate(CODE, context)
        sequential.append((time.perf_counter() - started) * 1000)
    await quorum.close()
    raw = await _raw_parallel(base, repetitions)
    quorum_ms = statistics.median(totals)
    return {
        "models": 4,
        "model_latency_ms": LATENCY_S * 1000,
        "repetitions": repetitions,
        "quorum_ms": round(quorum_ms, 2),
        "quorum_p90_ms": round(sorted(totals)[int(0.9 * (len(totals) - 1))], 2),
        "overhead_ms": round(statistics.median(overheads), 2),
        "beyond_latency_ms": round(quorum_ms - LATENCY_S * 1000, 2),
        "raw_parallel_ms": round(raw, 2),
        "sequential_ms": round(statistics.median(sequential), 2),
        "target_ms": TARGET_MS,
        "under_target": quorum_ms < TARGET_MS,
    }


async def _raw_parallel(base: str, repetitions: int) -> float:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    urls = [f"{base}/raw{i}/v1/chat/completions" for i in range(4)]
    async with httpx.AsyncClient() as http:
        await asyncio.gather(*(http.post(u, json=body) for u in urls))
        times = []
        for _ in range(repetitions):
            started = time.perf_counter()
            await asyncio.gather(*(http.post(u, json=body) for u in urls))
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _serve(ports: multiprocessing.Queue[int], stop: Any) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    ports.put(int(server.server_address[1]))
    stop.wait()
    server.shutdown()
    server.server_close()


def run(quick: bool = False) -> dict[str, Any]:
    """Measure the quorum against a local 100 ms server; returns JSON-ready figures.

    The server runs in its own process, as a remote provider would, so it does
    not compete with the measured event loop for the GIL.
    """
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    ctx = multiprocessing.get_context("spawn")
    ports: multiprocessing.Queue[int] = ctx.Queue()
    stop = ctx.Event()
    process = ctx.Process(target=_serve, args=(ports, stop), daemon=True)
    process.start()
    try:
        port = ports.get(timeout=30)
        return asyncio.run(_measure(f"http://127.0.0.1:{port}", 5 if quick else 20))
    finally:
        stop.set()
        process.join(10)


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
