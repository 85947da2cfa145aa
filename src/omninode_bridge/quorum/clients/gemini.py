"""Google Gemini ``generateContent``.

Request: ``POST {base}/v1beta/models/{model}:generateContent`` with the key in
the ``x-goog-api-key`` header (never in the URL, so it cannot leak into logs)
and ``{"contents": [{"role": "user", "parts": [{"text"}]}],
"systemInstruction", "generationConfig": {..., "responseMimeType":
"application/json"}}``. Reply text is ``candidates[0].content.parts[*].text``;
usage is ``usageMetadata.promptTokenCount`` and ``candidatesTokenCount``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError

from omninode_bridge.quorum.clients.base import LLMClient, LooseReply
from omninode_bridge.quorum.errors import InvalidReplyError
from omninode_bridge.quorum.models import TokenUsage

__all__ = ["GeminiClient"]

_METHOD = ":generateContent"


class _Part(LooseReply):
    text: str | None = None
    thought: bool = False


class _Content(LooseReply):
    parts: list[_Part] = Field(default_factory=list)


class _Candidate(LooseReply):
    content: _Content | None = None
    finishReason: str | None = None


class _UsageMetadata(LooseReply):
    promptTokenCount: int = 0
    candidatesTokenCount: int = 0


class _PromptFeedback(LooseReply):
    blockReason: str | None = None


class _GeminiReply(LooseReply):
    candidates: list[_Candidate] = Field(default_factory=list)
    usageMetadata: _UsageMetadata | None = None
    promptFeedback: _PromptFeedback | None = None


class GeminiClient(LLMClient):
    """Google Gemini client (key from ``GEMINI_API_KEY``).

    ``endpoint`` is the full ``...:generateContent`` URL or an API base such
    as ``https://generativelanguage.googleapis.com/v1beta``, to which
    ``/models/{model_name}:generateContent`` is added.
    """

    provider = "gemini"
    default_model_id = "gemini"
    default_model_name = "gemini-1.5-pro"
    default_endpoint = "https://generativelanguage.googleapis.com/v1beta"
    api_key_env = "GEMINI_API_KEY"

    @property
    def url(self) -> str:
        """The full ``generateContent`` URL."""
        base = self.endpoint.rstrip("/")
        if base.endswith(_METHOD):
            return base
        return f"{base}/models/{self.model_name}{_METHOD}"

    def build_request(
        self, prompt: str, system: str, json_mode: bool
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        """``generateContent`` request with a system instruction and one user turn."""
        config: dict[str, Any] = {
            "temperature": self.temperature,
            "topK": 40,
            "topP": 0.95,
            "maxOutputTokens": self.max_output_tokens,
        }
        if json_mode:
            config["responseMimeType"] = "application/json"
        body = {
            "contents": [{"role": "user", "parts": [{"text": prompt}]}],
            "systemInstruction": {"parts": [{"text": system}]},
            "generationConfig": config,
        }
        headers = {"content-type": "application/json"}
        if self._api_key:
            headers["x-goog-api-key"] = self._api_key
        return self.url, headers, body

    def parse_reply(self, payload: Any) -> tuple[str, TokenUsage]:
        """Text of the first candidate's parts and the ``usageMetadata`` block."""
        try:
            reply = _GeminiReply.model_validate(payload)
        except ValidationError as exc:
            raise InvalidReplyError(
                self.model_id, f"reply is not a generateContent response: {exc.errors()[0]['msg']}"
            ) from exc
        if not reply.candidates:
            blocked = reply.promptFeedback.blockReason if reply.promptFeedback else None
            detail = f" (prompt blocked: {blocked})" if blocked else ""
            raise InvalidReplyError(self.model_id, f"reply has no candidates{detail}")
        candidate = reply.candidates[0]
        parts = candidate.content.parts if candidate.content else []
        text = "".join(p.text or "" for p in parts if not p.thought)
        if not text.strip():
            raise InvalidReplyError(
                self.model_id,
                f"candidates[0].content.parts has no text (finishReason={candidate.finishReason})",
            )
        meta = reply.usageMetadata
        usage = (
            TokenUsage(meta.promptTokenCount, meta.candidatesTokenCount, True)
            if meta is not None
            else TokenUsage()
        )
        return text, usage
