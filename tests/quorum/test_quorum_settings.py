"""Quorum settings: file, environment, keys, and the quorum-off switch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import structlog

from omninode_bridge.errors import ConfigError
from omninode_bridge.quorum import (
    QuorumSettings,
    RecordingTransport,
    build_quorum_from_settings,
    load_quorum_settings,
)


def test_defaults_are_the_four_reference_models() -> None:
    settings = load_quorum_settings({})
    assert [m.model_id for m in settings.model_settings] == [
        "gemini",
        "glm-4.5",
        "glm-air",
        "codestral",
    ]
    assert settings.pass_threshold == 0.6
    assert settings.min_participating_weight == 3.0


def test_no_keys_returns_none_and_logs_once() -> None:
    with structlog.testing.capture_logs() as logs:
        assert build_quorum_from_settings(environ={}) is None
    off = [e for e in logs if e["event"] == "quorum.off"]
    assert len(off) == 1
    assert off[0]["reason"] == "no API keys configured"
    assert off[0]["key_variables"] == ["CODESTRAL_API_KEY", "GEMINI_API_KEY", "GLM_API_KEY"]


def test_keys_register_only_their_models() -> None:
    quorum = build_quorum_from_settings(environ={"GEMINI_API_KEY": "g", "CODESTRAL_API_KEY": "c"})
    assert quorum is not None
    assert sorted(quorum.clients) == ["codestral", "gemini"]
    assert quorum.total_weight == 3.0


def test_replaying_a_cassette_needs_no_keys(tmp_path: Path) -> None:
    env = {"OMNINODE_QUORUM_CASSETTE": str(tmp_path)}
    quorum = build_quorum_from_settings(environ=env)
    assert quorum is not None
    assert len(quorum.clients) == 4
    transport = quorum.clients["gemini"]._transport
    assert isinstance(transport, RecordingTransport)


def test_disabled_quorum_is_none() -> None:
    assert (
        build_quorum_from_settings(environ={"OMNINODE_QUORUM_ENABLED": "false", "GLM_API_KEY": "k"})
        is None
    )


def test_file_under_quorum_key_with_local_model(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "quorum:\n"
        "  pass_threshold: 0.7\n"
        "  min_participating_weight: 1\n"
        "  models:\n"
        "    - {model_id: local, model_name: qwen, weight: 3, provider: openai,\n"
        "       endpoint: 'http://127.0.0.1:11434/v1'}\n"
        "  prices:\n"
        "    qwen: {input_per_million: 0, output_per_million: 0}\n"
    )
    settings = load_quorum_settings({"OMNINODE_QUORUM_CONFIG": str(path)})
    assert settings.pass_threshold == 0.7
    quorum = build_quorum_from_settings(settings, environ={})
    assert quorum is not None
    assert list(quorum.clients) == ["local"]
    assert quorum.price_table.price_for("qwen") is not None


def test_api_key_in_file_is_secret(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    model = {
        "model_id": "g",
        "model_name": "gemini-1.5-pro",
        "weight": 3,
        "endpoint": "https://generativelanguage.googleapis.com/v1beta",
        "api_key": "s3cret",
    }
    path.write_text(json.dumps({"models": [model]}))
    settings = load_quorum_settings({}, config_file=path)
    assert "s3cret" not in repr(settings)
    quorum = build_quorum_from_settings(settings, environ={})
    assert quorum is not None
    assert quorum.clients["g"].has_api_key


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("pass_threshold: 2\n", "pass_threshold"),
        ("models: [{model_id: a}]\n", "models.0.model_name"),
        ("unknown_key: 1\n", "unknown_key"),
        ("- a\n- b\n", "mapping"),
        ("a: [\n", "cannot read"),
    ],
    ids=["range", "missing", "extra", "list", "yaml"],
)
def test_bad_file_names_the_problem(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=fragment) as info:
        load_quorum_settings({}, config_file=path)
    assert str(path) in str(info.value)


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("pass_threshold: 0.7\n")
    env = {"OMNINODE_QUORUM_CONFIG": str(path), "OMNINODE_QUORUM_PASS_THRESHOLD": "0.8"}
    assert load_quorum_settings(env).pass_threshold == 0.8


def test_settings_are_frozen() -> None:
    with pytest.raises(ValueError, match="frozen"):
        QuorumSettings().pass_threshold = 0.1  # type: ignore[misc]
