"""Zhipu AI GLM chat completions (``https://open.bigmodel.cn/api/paas/v4/chat/completions``).

Bearer authentication, OpenAI-style body and reply; JSON output through
``response_format: {"type": "json_object"}``.
"""

from __future__ import annotations

from omninode_bridge.quorum.clients.openai_compat import ChatCompletionsClient

__all__ = ["GLMClient"]


class GLMClient(ChatCompletionsClient):
    """Zhipu AI GLM-4.5 and GLM-4.5-Air client (key from ``GLM_API_KEY``)."""

    provider = "glm"
    default_model_id = "glm-4.5"
    default_model_name = "glm-4.5"
    default_endpoint = "https://open.bigmodel.cn/api/paas/v4/chat/completions"
    api_key_env = "GLM_API_KEY"
