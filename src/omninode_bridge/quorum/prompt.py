"""The validation prompt and the parser for a model's JSON verdict.

A model must answer ``{"vote": bool, "confidence": 0..1, "reasoning": str}``.
Replies often wrap that object in a Markdown fence or a sentence of prose, so
the parser looks for the first JSON object in the text before validating it;
anything else is an :class:`InvalidReplyError` and the model is excluded.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from omninode_bridge.quorum.errors import InvalidReplyError
from omninode_bridge.validation.models import ValidationContext

__all__ = [
    "DEFAULT_CRITERIA",
    "SYSTEM_PROMPT",
    "VoteReply",
    "build_validation_prompt",
    "extract_json_object",
    "parse_vote_reply",
]

SYSTEM_PROMPT = "You are a code quality validator. Respond only with valid JSON."

DEFAULT_CRITERIA: tuple[str, ...] = (
    "ONEX v2.0 Compliance (ModelOnexError, emit_log_event, async def, EnumLogLevel)",
    "Code Quality (PEP 8, type hints, docstrings, low complexity)",
    "Functional Correctness",
    "Security (no hardcoded secrets, SQL injection, XSS)",
    "Performance",
)

_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_SNIPPET = 120


class VoteReply(BaseModel):
    """The JSON object a model must answer with."""

    model_config = ConfigDict(extra="ignore")

    vote: StrictBool
    confidence: float = Field(ge=0.0, le=1.0)
    reasoning: str = ""


def build_validation_prompt(code: str, context: ValidationContext) -> str:
    """The user prompt asking a model to vote on ``code``."""
    criteria = context.validation_criteria or list(DEFAULT_CRITERIA)
    numbered = "\n".join(f"{i}. {item}" for i, item in enumerate(criteria, start=1))
    return (
        "You are a code quality validator for ONEX v2.0 compliant code generation.\n\n"
        f"Validate the following code:\n\n```python\n{code}\n```\n\n"
        f"Node Type: {context.node_type}\n"
        f"Contract: {context.contract_summary or 'not given'}\n\n"
        f"Validation Criteria:\n{numbered}\n\n"
        "Respond with JSON in this exact format (no additional text):\n"
        '{"vote": true/false, "confidence": 0.0-1.0, "reasoning": "..."}'
    )


def _candidates(text: str) -> list[str]:
    stripped = text.strip()
    fenced = [m.group(1).strip() for m in _FENCE.finditer(stripped)]
    return [*fenced, stripped]


def extract_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in ``text``: fenced, bare, or inside prose; None if none."""
    decoder = json.JSONDecoder()
    for candidate in _candidates(text):
        for start in (i for i, ch in enumerate(candidate) if ch == "{"):
            try:
                value, _ = decoder.raw_decode(candidate, start)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return None


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SNIPPET else flat[: _SNIPPET - 3] + "..."


def parse_vote_reply(text: str, model_id: str) -> VoteReply:
    """Validate a model's reply text as a :class:`VoteReply`.

    Raises:
        InvalidReplyError: No JSON object in the text, or the object lacks
            ``vote``/``confidence`` or has values of the wrong type or range.
    """
    payload = extract_json_object(text)
    if payload is None:
        raise InvalidReplyError(model_id, f"reply is not JSON: {_snippet(text)!r}", text=text)
    try:
        return VoteReply.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'reply'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidReplyError(
            model_id, f"reply JSON has the wrong shape ({problems})", text=text
        ) from exc
