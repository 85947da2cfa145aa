"""Drafting contracts from a PRD with a model on the local server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from omninode_bridge.contracts import ContractValidationError
from omninode_bridge.contracts.loader import load_contract
from omninode_bridge.errors import ConfigError, ContractError
from omninode_bridge.quorum import (
    ContractDrafter,
    InvalidReplyError,
    OpenAICompatibleClient,
    QuorumSettings,
    build_drafter_from_settings,
    write_contracts,
)

PRD = """# Invoice Archive Service

## Requirements
- Store signed invoices in object storage
- Delete invoices older than ten years
"""

GOOD = {
    "name": "invoice_archive_effect",
    "version": {"major": 1, "minor": 0, "patch": 0},
    "node_type": "effect",
    "description": "Archives signed invoices",
    "operations": [
        {"name": "store_invoice", "description": "Store one signed invoice"},
        {"name": "purge_old_invoices", "description": "Delete invoices past retention"},
    ],
}
BAD = {**GOOD, "node_type": "gizmo"}


def _reply(server: Any, *documents: dict[str, Any]) -> Any:
    texts = [yaml.safe_dump(d, sort_keys=False) for d in documents]
    return server.Reply(200, server.chat_body(json.dumps({"contracts": texts})))


def _drafter(server: Any, **kw: Any) -> ContractDrafter:
    client = OpenAICompatibleClient("writer", "qwen", None, server.url("writer", "/v1"))
    return ContractDrafter(client, **kw)


async def test_valid_draft_is_returned(provider_server: Any) -> None:
    provider_server.script("writer", _reply(provider_server, GOOD), key=None)
    drafter = _drafter(provider_server)
    draft = await drafter.draft(PRD)
    await drafter.client.close()
    assert [c.service_name for c in draft.contracts] == ["invoice_archive_effect"]
    assert draft.attempts == 1
    assert draft.usage.input_tokens == 1000
    prompt = provider_server.requests_for("writer")[0].body["messages"][1]["content"]
    assert "Store signed invoices in object storage" in prompt
    assert "name: invoice_archive_effect" in prompt  # the rule-based baseline


async def test_loader_problems_are_sent_back_for_repair(provider_server: Any) -> None:
    server = provider_server
    server.script("writer", _reply(server, BAD), _reply(server, GOOD), key=None)
    drafter = _drafter(server)
    draft = await drafter.draft(PRD)
    await drafter.client.close()
    assert draft.attempts == 2
    repair = server.requests_for("writer")[1].body["messages"][1]["content"]
    assert "rejected by the contract loader" in repair
    assert "node_type" in repair


async def test_draft_failing_every_attempt_raises(provider_server: Any) -> None:
    provider_server.script("writer", _reply(provider_server, BAD), key=None)
    drafter = _drafter(provider_server, max_attempts=2)
    with pytest.raises(ContractValidationError, match="after 2 attempts") as info:
        await drafter.draft(PRD)
    await drafter.client.close()
    assert info.value.problems
    assert len(provider_server.requests_for("writer")) == 2


async def test_duplicate_names_are_a_problem(provider_server: Any) -> None:
    provider_server.script("writer", _reply(provider_server, GOOD, GOOD), key=None)
    drafter = _drafter(provider_server, max_attempts=1)
    with pytest.raises(ContractValidationError, match="share the name"):
        await drafter.draft(PRD)
    await drafter.client.close()


async def test_reply_without_contracts_is_invalid(provider_server: Any) -> None:
    server = provider_server
    server.script("writer", server.Reply(200, server.chat_body('{"answer": 1}')), key=None)
    drafter = _drafter(server)
    with pytest.raises(InvalidReplyError, match="contracts"):
        await drafter.draft(PRD)
    await drafter.client.close()


async def test_written_contracts_load_back(provider_server: Any, tmp_path: Path) -> None:
    provider_server.script("writer", _reply(provider_server, GOOD), key=None)
    drafter = _drafter(provider_server)
    draft = await drafter.draft(PRD)
    await drafter.client.close()
    (path,) = write_contracts(draft, tmp_path / "contracts")
    assert load_contract(path).service_name == "invoice_archive_effect"
    with pytest.raises(ContractError, match="refusing to overwrite"):
        write_contracts(draft, tmp_path / "contracts")


def test_no_draft_model_means_no_drafter() -> None:
    assert build_drafter_from_settings(QuorumSettings(), environ={}) is None


def test_unknown_draft_model_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a configured model"):
        build_drafter_from_settings(QuorumSettings(draft_model="gpt"), environ={})


def test_draft_model_without_key_is_off_and_with_key_is_built() -> None:
    settings = QuorumSettings(draft_model="codestral")
    assert build_drafter_from_settings(settings, environ={}) is None
    drafter = build_drafter_from_settings(settings, environ={"CODESTRAL_API_KEY": "k"})
    assert drafter is not None
    assert drafter.client.model_id == "codestral"
