"""``omninode quorum FILE`` against a local OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from omninode_bridge.cli.app import app

CODE = (
    "class NodeUserStoreEffect:\n    async def execute_effect(self, contract):\n        return 1\n"
)
ENV_VARIABLES = (
    "GEMINI_API_KEY",
    "GLM_API_KEY",
    "CODESTRAL_API_KEY",
    "OMNINODE_QUORUM_CONFIG",
    "OMNINODE_QUORUM_CASSETTE",
    "OMNINODE_QUORUM_CASSETTE_MODE",
    "OMNINODE_QUORUM_ENABLED",
)


class VotingServer:
    """Answers ``/<model>/v1/chat/completions`` with the vote set for that model."""

    def __init__(self) -> None:
        self.votes: dict[str, tuple[bool, float]] = {}
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                server.requests.append(body)
                model = self.path.strip("/").split("/")[0]
                vote, confidence = server.votes.get(model, (True, 0.9))
                text = json.dumps(
                    {"vote": vote, "confidence": confidence, "reasoning": f"{model} says so"}
                )
                payload = json.dumps(
                    {
                        "choices": [{"message": {"role": "assistant", "content": text}}],
                        "usage": {"prompt_tokens": 500, "completion_tokens": 40},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, model: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/{model}/v1"


@pytest.fixture
def voting_server() -> Iterator[VotingServer]:
    server = VotingServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def _config(tmp_path: Path, server: VotingServer, **extra: Any) -> Path:
    models = [
        {"model_id": "alpha", "model_name": "qwen", "weight": 2.0, "provider": "openai",
         "endpoint": server.url("alpha")},
        {"model_id": "beta", "model_name": "llama", "weight": 1.5, "provider": "openai",
         "endpoint": server.url("beta")},
    ]  # fmt: skip
    path = tmp_path / "quorum.yaml"
    path.write_text(json.dumps({"models": models, "min_participating_weight": 1.0, **extra}))
    return path


def _code(tmp_path: Path) -> Path:
    path = tmp_path / "node.py"
    path.write_text(CODE)
    return path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["quorum", *args], env={"COLUMNS": "200"})


def test_no_keys_means_quorum_off_said_once(tmp_path: Path) -> None:
    result = invoke(str(_code(tmp_path)))
    assert result.exit_code == 0
    assert result.output.count("quorum off: no API keys configured") == 1
    assert "GEMINI_API_KEY" in result.output


def test_votes_are_printed_as_a_table(tmp_path: Path, voting_server: VotingServer) -> None:
    result = invoke(str(_code(tmp_path)), "--config", str(_config(tmp_path, voting_server)))
    assert result.exit_code == 0, result.output
    assert "AI quorum votes" in result.output
    assert "alpha says so" in result.output
    assert "beta says so" in result.output
    assert "PASSED consensus 90.0%" in result.output
    prompt = voting_server.requests[0]["messages"][1]["content"]
    assert "Node Type: effect" in prompt


def test_failed_vote_exits_one(tmp_path: Path, voting_server: VotingServer) -> None:
    voting_server.votes["alpha"] = (False, 0.9)
    result = invoke(str(_code(tmp_path)), "--config", str(_config(tmp_path, voting_server)))
    assert result.exit_code == 1
    assert "FAILED" in result.output


def test_json_output(tmp_path: Path, voting_server: VotingServer) -> None:
    config = _config(tmp_path, voting_server)
    result = invoke(str(_code(tmp_path)), "--config", str(config), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["passed"] is True
    assert [v["model_id"] for v in data["votes"]] == ["alpha", "beta"]


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "absent.py"))
    assert result.exit_code == 2
    assert "absent.py" in result.output
    assert "Traceback" not in result.output


def test_invalid_config_names_the_field(tmp_path: Path, voting_server: VotingServer) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(
        json.dumps({"models": [{"model_id": "a", "model_name": "m", "weight": 20,
                                "endpoint": voting_server.url("a")}]})
    )  # fmt: skip
    result = invoke(str(_code(tmp_path)), "--config", str(config))
    assert result.exit_code == 2
    assert "models.0.weight" in result.output


def test_record_then_replay_offline(tmp_path: Path, voting_server: VotingServer) -> None:
    config = _config(tmp_path, voting_server)
    cassette = tmp_path / "cassette"
    recorded = invoke(str(_code(tmp_path)), "--config", str(config), "--cassette",
                      str(cassette), "--record", "--json")  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    assert len(list(cassette.glob("*.json"))) == 2
    voting_server.httpd.shutdown()
    voting_server.httpd.server_close()
    replayed = invoke(str(_code(tmp_path)), "--config", str(config), "--cassette",
                      str(cassette), "--json")  # fmt: skip
    assert replayed.exit_code == 0, replayed.output
    first, second = json.loads(recorded.output), json.loads(replayed.output)
    assert first["consensus_score"] == second["consensus_score"]
    assert [v["reasoning"] for v in first["votes"]] == [v["reasoning"] for v in second["votes"]]


def test_too_few_models_exits_one_with_reasons(tmp_path: Path) -> None:
    models = [
        {"model_id": "down", "model_name": "m", "weight": 2.0, "provider": "openai",
         "endpoint": "http://127.0.0.1:9/v1", "max_retries": 0},
    ]  # fmt: skip
    config = tmp_path / "quorum.yaml"
    config.write_text(json.dumps({"models": models}))
    result = invoke(str(_code(tmp_path)), "--config", str(config))
    assert result.exit_code == 1
    assert "Insufficient participation: 0 < 3.0" in result.output
    assert "down excluded (connection)" in result.output


EXAMPLE = (
    Path(__file__).resolve().parents[2] / "examples" / "contracts" / "order_pricing_compute.yaml"
)


@pytest.mark.parametrize(("vote", "exit_code"), [(True, 0), (False, 1)], ids=["pass", "fail"])
def test_generate_quorum_gates_the_quality_stage(
    tmp_path: Path, voting_server: VotingServer, vote: bool, exit_code: int
) -> None:
    voting_server.votes["alpha"] = voting_server.votes["beta"] = (vote, 1.0)
    config = _config(tmp_path, voting_server)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["generate", str(EXAMPLE), "--out", str(out), "--quorum"],
        env={"COLUMNS": "200", "OMNINODE_QUORUM_CONFIG": str(config)},
    )
    assert result.exit_code == exit_code, result.output
    assert len(voting_server.requests) == 2  # the node module, once per model
    if not vote:
        assert "QRM001" in result.output


def test_generate_quorum_without_keys_is_off_and_says_so_once(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["generate", str(EXAMPLE), "--out", str(tmp_path / "out"), "--quorum"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("quorum off: no API keys configured") == 1
