"""Quorum clients, one module per provider wire format."""

from __future__ import annotations

import os

import httpx

from omninode_bridge.errors import ConfigError
from omninode_bridge.quorum.clients.base import (
    Completion,
    LLMClient,
    RetryPolicy,
    SleepFn,
)
from omninode_bridge.quorum.clients.codestral import CodestralClient
from omninode_bridge.quorum.clients.gemini import GeminiClient
from omninode_bridge.quorum.clients.glm import GLMClient
from omninode_bridge.quorum.clients.openai_compat import (
    ChatCompletionsClient,
    OpenAICompatibleClient,
)
from omninode_bridge.quorum.models import ModelConfig

__all__ = [
    "PROVIDERS",
    "ChatCompletionsClient",
    "CodestralClient",
    "Completion",
    "GLMClient",
    "GeminiClient",
    "LLMClient",
    "OpenAICompatibleClient",
    "RetryPolicy",
    "SleepFn",
    "client_from_config",
]

#: Client class per provider family, as named in ``ModelConfig.provider``.
PROVIDERS: dict[str, type[LLMClient]] = {
    "gemini": GeminiClient,
    "glm": GLMClient,
    "codestral": CodestralClient,
    "mistral": CodestralClient,
    "openai": OpenAICompatibleClient,
}


def client_from_config(
    config: ModelConfig,
    *,
    api_key: str | None = None,
    json_mode: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: SleepFn | None = None,
) -> LLMClient:
    """Build the client for ``config``'s provider with its endpoint, timeout and retries.

    Raises:
        ConfigError: ``config.provider`` names no known provider.
    """
    provider = config.resolved_provider
    cls = PROVIDERS.get(provider)
    if cls is None:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigError(
            f"quorum model '{config.model_id}': provider must be one of {known}, got {provider!r}"
        )
    if api_key is None and config.api_key_env:
        api_key = os.environ.get(config.api_key_env, "")
    return cls(
        config.model_id,
        config.model_name,
        api_key if api_key is not None else "",
        config.endpoint,
        config.timeout,
        max_retries=config.max_retries,
        json_mode=json_mode,
        transport=transport,
        sleep=sleep,
    )
