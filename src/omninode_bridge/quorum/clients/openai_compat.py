"""OpenAI-style chat completions, and a client for any endpoint that speaks them.

Request: ``POST .../chat/completions`` with ``Authorization: Bearer <key>``
and ``{"model", "messages": [system, user], "temperature", "max_tokens",
"response_format": {"type": "json_object"}}``. Reply text is
``choices[0].message.content``; usage is ``usage.prompt_tokens`` and
``usage.completion_tokens``. Ollama (``http://127.0.0.1:11434/v1``), vLLM and
the llama.cpp server accept this shape, so the quorum can run on local models.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError

from omninode_bridge.quorum.clients.base import LLMClient, LooseReply
from omninode_bridge.quorum.errors import InvalidReplyError
from omninode_bridge.quorum.models import TokenUsage

__all__ = ["ChatCompletionsClient", "OpenAICompatibleClient"]

_CHAT_PATH = "/chat/completions"


class _Message(LooseReply):
    content: str | list[dict[str, Any]] | None = None


class _Choice(LooseReply):
    message: _Message


class _Usage(LooseReply):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class _ChatReply(LooseReply):
    choices: list[_Choice] = Field(min_length=1)
    usage: _Usage | None = None


def _content_text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):
        return "".join(str(chunk.get("text", "")) for chunk in content)
    return content or ""


class ChatCompletionsClient(LLMClient):
    """Shared wire format of the chat-completions providers (GLM, Mistral, OpenAI-style)."""

    @property
    def url(self) -> str:
        """The full chat-completions URL: ``endpoint`` as given or completed with the path."""
        base = self.endpoint.rstrip("/")
        return base if base.endswith(_CHAT_PATH) else base + _CHAT_PATH

    def build_request(
        self, prompt: str, system: str, json_mode: bool
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        """Chat-completions request with a system and a user message."""
        body: dict[str, Any] = {
            "model": self.model_name,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": prompt},
            ],
            "temperature": self.temperature,
            "max_tokens": self.max_output_tokens,
        }
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        headers = {"content-type": "application/json", **self._auth_headers()}
        return self.url, headers, body

    def parse_reply(self, payload: Any) -> tuple[str, TokenUsage]:
        """``choices[0].message.content`` and the ``usage`` block."""
        try:
            reply = _ChatReply.model_validate(payload)
        except ValidationError as exc:
            where = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'reply'}: {e['msg']}" for e in exc.errors()
            )
            raise InvalidReplyError(
                self.model_id, f"reply lacks choices[0].message ({where})"
            ) from exc
        text = _content_text(reply.choices[0].message.content)
        if not text.strip():
            raise InvalidReplyError(self.model_id, "choices[0].message.content is empty")
        usage = (
            TokenUsage(reply.usage.prompt_tokens, reply.usage.completion_tokens, True)
            if reply.usage is not None
            else TokenUsage()
        )
        return text, usage


class OpenAICompatibleClient(ChatCompletionsClient):
    """Any OpenAI-style endpoint: Ollama, vLLM, llama.cpp server, hosted gateways.

    ``endpoint`` is the base URL (``http://127.0.0.1:11434/v1``) or the full
    chat-completions URL. The API key is optional; servers without
    authentication get no ``Authorization`` header. Pass ``json_mode=False``
    for a server that rejects ``response_format``.
    """

    provider = "openai"
    default_model_id = "local"
    default_model_name = "llama3.1"
    default_endpoint = "http://127.0.0.1:11434/v1"
    api_key_env = ""
    requires_api_key = False
