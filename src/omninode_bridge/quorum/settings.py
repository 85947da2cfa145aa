"""Quorum configuration: which models vote, their keys, prices and recording.

Sources, last wins: built-in defaults (:data:`DEFAULT_QUORUM_MODELS`, the
default price table), a YAML file (``OMNINODE_QUORUM_CONFIG``, else
``./omninode-quorum.yaml`` when present; its keys may sit under a top-level
``quorum:``), then ``OMNINODE_QUORUM_*`` environment variables. API keys come
from the variable each model names (``GEMINI_API_KEY``, ``GLM_API_KEY``,
``CODESTRAL_API_KEY``) or an ``api_key`` in the file; they are never logged.

:func:`build_quorum_from_settings` returns ``None`` when no model can vote
(no keys and no recording to replay), after logging ``quorum.off`` once.

Example file::

    pass_threshold: 0.6
    min_participating_weight: 3.0
    models:
      - {model_id: gemini, model_name: gemini-1.5-pro, weight: 2.0,
         endpoint: "https://generativelanguage.googleapis.com/v1beta",
         api_key_env: GEMINI_API_KEY}
      - {model_id: local, model_name: "qwen2.5-coder:7b", weight: 3.0,
         provider: openai, endpoint: "http://127.0.0.1:11434/v1"}
    prices:
      gemini-1.5-pro: {input_per_million: 1.25, output_per_million: 5.0}
    draft_model: local          # drafts contracts from a PRD (see drafting.py)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from omninode_bridge.errors import ConfigError
from omninode_bridge.logs import get_logger
from omninode_bridge.quorum.clients import (
    LLMClient,
    SleepFn,
    client_from_config,
)
from omninode_bridge.quorum.models import DEFAULT_QUORUM_MODELS, ModelConfig
from omninode_bridge.quorum.pricing import DEFAULT_PRICES, ModelPrice, PriceTable
from omninode_bridge.quorum.quorum import AIQuorum
from omninode_bridge.quorum.recording import (
    CASSETTE_ENV,
    CASSETTE_MODE_ENV,
    RecordingTransport,
    RecordMode,
)

if TYPE_CHECKING:
    from omninode_bridge.metrics.collector import MetricsCollector

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "QUORUM_CONFIG_ENV",
    "QUORUM_OFF_MESSAGE",
    "QuorumModelSettings",
    "QuorumSettings",
    "build_quorum_from_settings",
    "can_vote",
    "client_for_model",
    "key_variables",
    "load_quorum_settings",
]

log = get_logger(__name__, component="quorum")

QUORUM_CONFIG_ENV = "OMNINODE_QUORUM_CONFIG"
DEFAULT_CONFIG_FILE = Path("omninode-quorum.yaml")
QUORUM_OFF_MESSAGE = "quorum off: no API keys configured"

_ENV_FIELDS = {
    "OMNINODE_QUORUM_ENABLED": "enabled",
    "OMNINODE_QUORUM_PASS_THRESHOLD": "pass_threshold",
    "OMNINODE_QUORUM_MIN_WEIGHT": "min_participating_weight",
    CASSETTE_ENV: "cassette",
    CASSETTE_MODE_ENV: "cassette_mode",
    "OMNINODE_QUORUM_DRAFT_MODEL": "draft_model",
}


class QuorumModelSettings(BaseModel):
    """One voting model as written in the configuration file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_id: str = Field(min_length=1)
    model_name: str = Field(min_length=1)
    weight: float = Field(gt=0, le=10)
    endpoint: str = Field(pattern=r"^https?://")
    provider: Literal["gemini", "glm", "codestral", "mistral", "openai", ""] = ""
    api_key_env: str = ""
    api_key: SecretStr | None = None
    timeout: float = Field(default=30, gt=0, le=120)
    max_retries: int = Field(default=2, ge=0, le=5)
    enabled: bool = True
    json_mode: bool = True

    def to_config(self) -> ModelConfig:
        """The :class:`ModelConfig` the quorum uses."""
        return ModelConfig(
            self.model_id,
            self.model_name,
            self.weight,
            self.endpoint,
            self.api_key_env,
            self.timeout,
            self.max_retries,
            self.enabled,
            self.provider,
        )

    @classmethod
    def from_config(cls, config: ModelConfig) -> QuorumModelSettings:
        """Settings equivalent to ``config`` (for the built-in defaults)."""
        return cls(
            model_id=config.model_id,
            model_name=config.model_name,
            weight=config.weight,
            endpoint=config.endpoint,
            provider=config.provider,  # type: ignore[arg-type]
            api_key_env=config.api_key_env,
            timeout=config.timeout,
            max_retries=config.max_retries,
            enabled=config.enabled,
        )


class PriceSettings(BaseModel):
    """USD per million tokens for one model name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)


class QuorumSettings(BaseModel):
    """Resolved quorum configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    models: list[QuorumModelSettings] | None = None
    pass_threshold: float = Field(default=0.6, ge=0, le=1)
    min_participating_weight: float = Field(default=3.0, ge=0)
    prices: dict[str, PriceSettings] = Field(default_factory=dict)
    cassette: Path | None = None
    cassette_mode: RecordMode = RecordMode.REPLAY
    draft_model: str | None = None

    @property
    def model_settings(self) -> list[QuorumModelSettings]:
        """The configured models, or the four defaults."""
        if self.models is not None:
            return list(self.models)
        return [QuorumModelSettings.from_config(c) for c in DEFAULT_QUORUM_MODELS]

    def price_table(self) -> PriceTable:
        """Default prices overridden by the configured ones."""
        prices = dict(DEFAULT_PRICES)
        for name, price in self.prices.items():
            prices[name] = ModelPrice(price.input_per_million, price.output_per_million)
        return PriceTable(prices)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read quorum configuration: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    section = data.get("quorum", data) if set(data) <= {"quorum"} else data
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: 'quorum' must be a mapping")
    return section


def load_quorum_settings(
    environ: Mapping[str, str] | None = None, config_file: Path | None = None
) -> QuorumSettings:
    """Resolve :class:`QuorumSettings` from defaults, a file and the environment.

    Raises:
        ConfigError: A value is invalid; the message names the source and field.
    """
    env = os.environ if environ is None else environ
    path = config_file or (Path(env[QUORUM_CONFIG_ENV]) if env.get(QUORUM_CONFIG_ENV) else None)
    if path is None and DEFAULT_CONFIG_FILE.is_file():
        path = DEFAULT_CONFIG_FILE
    merged: dict[str, Any] = _read_file(path) if path is not None else {}
    for variable, name in _ENV_FIELDS.items():
        if env.get(variable):
            merged[name] = env[variable]
    try:
        return QuorumSettings(**merged)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        source = f"{path} / environment" if path else "environment"
        raise ConfigError(f"invalid quorum configuration ({source}): {problems}") from exc


def key_variables(settings: QuorumSettings) -> list[str]:
    """API-key environment variables the configured models read, sorted."""
    return sorted({m.api_key_env for m in settings.model_settings if m.api_key_env})


def _api_key(model: QuorumModelSettings, env: Mapping[str, str]) -> str:
    if model.api_key is not None:
        return model.api_key.get_secret_value()
    return env.get(model.api_key_env, "") if model.api_key_env else ""


def _needs_key(model: QuorumModelSettings) -> bool:
    provider = model.provider or model.to_config().resolved_provider
    return bool(model.api_key_env) or provider != "openai"


def can_vote(
    settings: QuorumSettings,
    model: QuorumModelSettings,
    *,
    environ: Mapping[str, str] | None = None,
) -> bool:
    """Whether ``model`` gets a client: its key is set, it needs none, or a recording replays."""
    env = os.environ if environ is None else environ
    replaying = settings.cassette is not None and settings.cassette_mode is RecordMode.REPLAY
    return replaying or not _needs_key(model) or bool(_api_key(model, env))


def client_for_model(
    settings: QuorumSettings,
    model: QuorumModelSettings,
    *,
    environ: Mapping[str, str] | None = None,
    sleep: SleepFn | None = None,
) -> LLMClient | None:
    """The client for ``model``, or None when it has no key and nothing is replayed."""
    env = os.environ if environ is None else environ
    if not can_vote(settings, model, environ=env):
        return None
    key = _api_key(model, env)
    transport = (
        RecordingTransport(settings.cassette, settings.cassette_mode)
        if settings.cassette is not None
        else None
    )
    return client_from_config(
        model.to_config(), api_key=key, json_mode=model.json_mode, transport=transport, sleep=sleep
    )


def build_quorum_from_settings(
    settings: QuorumSettings | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    metrics_collector: MetricsCollector | None = None,
    sleep: SleepFn | None = None,
) -> AIQuorum | None:
    """An :class:`AIQuorum` with a client for every model that can vote, or None.

    A model can vote when its API key is set, when it needs none (a local
    OpenAI-compatible server), or when a recording is replayed. With no such
    model the quorum is off: ``quorum.off`` is logged once and None returned,
    so callers skip the quorum instead of failing at start-up.

    Raises:
        ConfigError: The quorum configuration is invalid.
    """
    env = os.environ if environ is None else environ
    settings = settings or load_quorum_settings(env)
    if not settings.enabled:
        log.info("quorum.off", reason="disabled in configuration")
        return None
    models = settings.model_settings
    quorum = AIQuorum(
        [m.to_config() for m in models],
        settings.pass_threshold,
        settings.min_participating_weight,
        metrics_collector,
        price_table=settings.price_table(),
        auto_register=False,
    )
    for model in models:
        client = client_for_model(settings, model, environ=env, sleep=sleep)
        if model.enabled and client is not None:
            quorum.register_client(model.model_id, client)
    if not quorum.enabled:
        log.info(
            "quorum.off", reason="no API keys configured", key_variables=key_variables(settings)
        )
        return None
    return quorum
