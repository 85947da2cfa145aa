"""``omninode generate --prd FILE --draft``: contracts drafted by the configured model."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from omninode_bridge.cli.app import app

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "examples" / "contracts" / "order_pricing_compute.yaml"
)


class Voter:
    def __init__(self, vote: bool) -> None:
        self.vote = vote
        self.calls = 0
        voter = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"]))
                voter.calls += 1
                text = json.dumps({"vote": voter.vote, "confidence": 1.0, "reasoning": "r"})
                body = json.dumps({"choices": [{"message": {"content": text}}]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True

    def config(self, folder: Path) -> Path:
        host, port = self.httpd.server_address[:2]
        model = {"model_id": "local", "model_name": "m", "weight": 3.0, "provider": "openai",
                 "endpoint": f"http://{host!s}:{port}/v1"}  # fmt: skip
        path = folder / "quorum.yaml"
        path.write_text(json.dumps({"models": [model]}))
        return path


def invoke(args: list[str], env: dict[str, str]) -> Result:
    with ThreadPoolExecutor(1) as pool:  # asyncio.run in a thread without a loop
        return pool.submit(CliRunner().invoke, app, args, env=env).result()


PRD = "# Invoice Archive Service\n\n## Requirements\n- Store signed invoices\n"
DRAFT = {
    "name": "invoice_archive_effect",
    "version": {"major": 1, "minor": 0, "patch": 0},
    "node_type": "effect",
    "description": "Archives signed invoices",
    "operations": [{"name": "store_invoice", "description": "Store one signed invoice"}],
}


class Drafter(Voter):
    """Answers every chat completion with one drafted contract."""

    def __init__(self) -> None:
        super().__init__(True)
        text = json.dumps({"contracts": [yaml.safe_dump(DRAFT, sort_keys=False)]})
        body = json.dumps({"choices": [{"message": {"content": text}}]}).encode()
        handler = self.httpd.RequestHandlerClass

        def do_post(request: Any) -> None:
            request.rfile.read(int(request.headers["content-length"]))
            request.send_response(200)
            request.send_header("content-type", "application/json")
            request.send_header("content-length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)

        handler.do_POST = do_post  # type: ignore[attr-defined]

    def config(self, folder: Path) -> Path:
        path = super().config(folder)
        data = json.loads(path.read_text())
        data["draft_model"] = "local"
        path.write_text(json.dumps(data))
        return path


def test_prd_contracts_drafted_by_the_model(tmp_path: Path) -> None:
    server = Drafter()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        prd = tmp_path / "prd.md"
        prd.write_text(PRD)
        env = {"OMNINODE_QUORUM_CONFIG": str(server.config(tmp_path))}
        args = ["generate", "--prd", str(prd), "--draft", "--out", str(tmp_path / "out")]
        result = invoke(args, env)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    assert result.exit_code == 0, result.output
    contract = tmp_path / "out" / "contracts" / "invoice_archive_effect.yaml"
    assert "store_invoice" in contract.read_text()


def test_draft_without_draft_model_is_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OMNINODE_QUORUM_CONFIG", raising=False)
    prd = tmp_path / "prd.md"
    prd.write_text(PRD)
    result = invoke(["generate", "--prd", str(prd), "--draft", "--out", str(tmp_path / "o")], {})
    assert result.exit_code == 2
    assert "draft_model" in result.output
    assert not (tmp_path / "o").exists()
