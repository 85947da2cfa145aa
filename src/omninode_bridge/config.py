"""Settings: embedded defaults, overridden by a config file and the environment.

Precedence (last wins): built-in defaults, the YAML file named by
``OMNINODE_CONFIG`` (or ``./omninode.yaml`` when present), then ``OMNINODE_*``
environment variables. Real backends (PostgreSQL, Kafka, Redis, LLM providers)
are switched on here; with nothing configured everything runs in-process on
SQLite.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from omninode_bridge.errors import ConfigError

__all__ = ["Settings", "load_settings"]

_ENV_PREFIX = "OMNINODE_"


class Settings(BaseModel):
    """Resolved configuration for one process."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    home: Path = Field(default=Path(".omninode"), description="Folder for embedded state.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; None means SQLite in <home>/omninode.db.",
    )
    event_bus: Literal["memory", "kafka", "redis"] = "memory"
    kafka_bootstrap_servers: str | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"
    log_file: Path | None = None
    template_dir: Path | None = None
    max_parallel_tasks: int = Field(default=10, ge=1)
    record_history: bool = Field(
        default=True,
        description="Record runs in the store (OMNINODE_RECORD_HISTORY=false or "
        "`omninode generate --no-history` turns it off).",
    )

    @field_validator("template_dir")
    @classmethod
    def _template_dir_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file under ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.home / 'omninode.db'}"


def _from_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in Settings.model_fields:
        raw = environ.get(_ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = raw
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    """Build :class:`Settings` from defaults, an optional file and the environment.

    Raises:
        ConfigError: A value is invalid; the message names the field and source.
    """
    env = os.environ if environ is None else environ
    path = config_file or (Path(env["OMNINODE_CONFIG"]) if env.get("OMNINODE_CONFIG") else None)
    if path is None and Path("omninode.yaml").is_file():
        path = Path("omninode.yaml")
    merged: dict[str, Any] = _from_file(path) if path is not None else {}
    merged.update(_from_env(env))
    try:
        return Settings(**merged)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        source = f"{path} / environment" if path else "environment"
        raise ConfigError(f"invalid configuration ({source}): {problems}") from exc
