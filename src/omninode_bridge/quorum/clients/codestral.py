"""Mistral AI chat completions for Codestral (``https://api.mistral.ai/v1/chat/completions``).

Bearer authentication, OpenAI-style body and reply; JSON mode through
``response_format: {"type": "json_object"}``. A Codestral-only key uses
``https://codestral.mistral.ai/v1/chat/completions`` as the endpoint.
"""

from __future__ import annotations

from omninode_bridge.quorum.clients.openai_compat import ChatCompletionsClient

__all__ = ["CodestralClient"]


class CodestralClient(ChatCompletionsClient):
    """Mistral AI Codestral client (key from ``CODESTRAL_API_KEY``)."""

    provider = "codestral"
    default_model_id = "codestral"
    default_model_name = "codestral-latest"
    default_endpoint = "https://api.mistral.ai/v1/chat/completions"
    api_key_env = "CODESTRAL_API_KEY"
