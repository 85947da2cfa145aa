"""Draft node contracts from a PRD with a configured model, validated before use.

The deterministic PRD analyser (:func:`~omninode_bridge.contracts.prd.contracts_from_prd`)
gives a baseline contract; the model is shown that baseline and the PRD and
asked for better contracts as JSON (``{"contracts": ["<yaml>", ...]}``). Every
drafted contract goes through the contract loader
(:func:`~omninode_bridge.contracts.loader.parse_contract`); when the loader
finds problems they are sent back to the model for one more attempt. Nothing
is written until every contract of a draft validates, and then each file is
written to a temporary name and renamed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from omninode_bridge.atomic import atomic_write_text
from omninode_bridge.contracts import Contract, ContractProblem, ContractValidationError
from omninode_bridge.contracts.loader import parse_contract
from omninode_bridge.contracts.prd import contracts_from_prd
from omninode_bridge.contracts.serialize import dump_contract
from omninode_bridge.errors import ConfigError, ContractError
from omninode_bridge.logs import get_logger
from omninode_bridge.quorum.clients import LLMClient, SleepFn
from omninode_bridge.quorum.errors import InvalidReplyError
from omninode_bridge.quorum.models import TokenUsage
from omninode_bridge.quorum.prompt import extract_json_object
from omninode_bridge.quorum.settings import (
    QuorumSettings,
    client_for_model,
    load_quorum_settings,
)

__all__ = [
    "ContractDraft",
    "ContractDrafter",
    "build_drafter_from_settings",
    "write_contracts",
]

log = get_logger(__name__, component="quorum")

DRAFT_SYSTEM_PROMPT = "You write ONEX v2.0 node contracts in YAML. Respond only with valid JSON."


@dataclass(frozen=True, slots=True)
class ContractDraft:
    """Contracts a model drafted, all validated by the contract loader.

    Attributes:
        contracts: The validated contracts, in the model's order.
        texts: The YAML text of each contract, as the model wrote it.
        attempts: Model calls made (1 when the first draft validated).
        usage: Tokens over every call.
        model_id: The model that drafted.
    """

    contracts: tuple[Contract, ...]
    texts: tuple[str, ...]
    attempts: int
    usage: TokenUsage = field(default_factory=TokenUsage)
    model_id: str = ""


def _prompt(prd_text: str, baseline: Sequence[Contract], max_nodes: int) -> str:
    examples = "\n---\n".join(dump_contract(c) for c in baseline)
    return (
        "Draft ONEX v2.0 node contracts for the product requirements document below.\n"
        f"Write between 1 and {max_nodes} contracts, one per node the PRD needs.\n"
        "Use exactly the fields of this contract, which a rule-based reader derived "
        "from the same PRD; improve names, descriptions, operations and schemas:\n\n"
        f"```yaml\n{examples}```\n\n"
        "Rules: `name` is snake_case and ends with the node type; `node_type` is "
        "effect, compute, reducer or orchestrator; every operation has a snake_case "
        "name and a description; keep the input_state operation_type enum equal to "
        "the operation names.\n\n"
        f"PRD:\n\n{prd_text}\n\n"
        'Respond with JSON only: {"contracts": ["<contract 1 YAML>", "<contract 2 YAML>"]}'
    )


def _repair_prompt(prompt: str, problems: Sequence[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems)
    return (
        f"{prompt}\n\nYour previous contracts were rejected by the contract loader:\n"
        f"{listed}\n\nReturn corrected contracts in the same JSON format."
    )


def _entries(text: str, model_id: str) -> list[str]:
    payload = extract_json_object(text)
    entries = payload.get("contracts") if payload is not None else None
    if not isinstance(entries, list) or not entries:
        raise InvalidReplyError(
            model_id, 'reply is not {"contracts": [...]} with at least one contract', text=text
        )
    texts = []
    for entry in entries:
        if isinstance(entry, Mapping):
            texts.append(yaml.safe_dump(dict(entry), sort_keys=False))
        elif isinstance(entry, str):
            texts.append(entry)
        else:
            raise InvalidReplyError(
                model_id, f"contract entry is a {type(entry).__name__}, not YAML", text=text
            )
    return texts


def _validate(texts: Sequence[str], model_id: str) -> tuple[list[Contract], list[str]]:
    contracts: list[Contract] = []
    problems: list[str] = []
    for index, text in enumerate(texts, start=1):
        source = f"<{model_id} draft {index}>"
        try:
            contracts.append(parse_contract(text, source=source))
        except ContractValidationError as exc:
            problems.extend(str(p) for p in exc.problems)
        except ContractError as exc:
            problems.append(f"{source}: {exc}")
    names = [c.service_name for c in contracts]
    problems.extend(
        f"two drafted contracts share the name {name!r}"
        for name in sorted({n for n in names if names.count(n) > 1})
    )
    return contracts, problems


class ContractDrafter:
    """Drafts contracts from a PRD with one model and the contract loader as the gate.

    Args:
        client: The model that drafts (any quorum client).
        max_nodes: Most contracts to ask for (and to derive for the baseline).
        max_attempts: Model calls, the first draft plus repairs.
    """

    def __init__(self, client: LLMClient, *, max_nodes: int = 2, max_attempts: int = 2) -> None:
        self.client = client
        self.max_nodes = max_nodes
        self.max_attempts = max(1, max_attempts)

    async def draft(self, prd_text: str, *, source: str = "<prd>") -> ContractDraft:
        """Draft and validate contracts for ``prd_text``; nothing is written.

        Raises:
            ContractValidationError: The PRD has no title, or the last draft
                still had problems (each one listed).
            ProviderError: The model could not be reached.
            InvalidReplyError: The model did not answer with the JSON asked for.
        """
        baseline = contracts_from_prd(prd_text, source=source, max_nodes=self.max_nodes)
        prompt = _prompt(prd_text, baseline, self.max_nodes)
        usage = TokenUsage()
        problems: list[str] = []
        for attempt in range(1, self.max_attempts + 1):
            asked = prompt if not problems else _repair_prompt(prompt, problems)
            completion = await self.client.complete(asked, system=DRAFT_SYSTEM_PROMPT)
            usage = usage + completion.usage
            texts = _entries(completion.text, self.client.model_id)
            contracts, problems = _validate(texts, self.client.model_id)
            log.info(
                "quorum.contracts_drafted",
                model_id=self.client.model_id,
                attempt=attempt,
                contracts=len(contracts),
                problems=len(problems),
            )
            if not problems:
                return ContractDraft(
                    tuple(contracts), tuple(texts), attempt, usage, self.client.model_id
                )
        raise ContractValidationError(
            f"{source}: contracts drafted by {self.client.model_id} failed validation after "
            f"{self.max_attempts} attempts:\n  " + "\n  ".join(problems),
            tuple(ContractProblem(source, None, "", p) for p in problems),
        )


def write_contracts(
    draft: ContractDraft, directory: Path | str, *, overwrite: bool = False
) -> list[Path]:
    """Write each drafted contract to ``<directory>/<service_name>.yaml``.

    Every target is checked before the first file is written.

    Raises:
        ContractError: A target exists and ``overwrite`` is False (all are listed).
    """
    folder = Path(directory)
    targets = [folder / f"{c.service_name}.yaml" for c in draft.contracts]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not overwrite:
        raise ContractError("refusing to overwrite existing contracts: " + ", ".join(existing))
    folder.mkdir(parents=True, exist_ok=True)
    header = f"drafted by {draft.model_id} and validated by the contract loader"
    for contract, target in zip(draft.contracts, targets, strict=True):
        atomic_write_text(target, dump_contract(contract, header=header))
    return targets


def build_drafter_from_settings(
    settings: QuorumSettings | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    sleep: SleepFn | None = None,
    **options: Any,
) -> ContractDrafter | None:
    """A drafter for the configured ``draft_model``, or None when none is set or usable.

    Raises:
        ConfigError: ``draft_model`` names no configured model.
    """
    settings = settings or load_quorum_settings(environ)
    if not settings.draft_model:
        return None
    by_id = {m.model_id: m for m in settings.model_settings}
    model = by_id.get(settings.draft_model)
    if model is None:
        known = ", ".join(by_id) or "none"
        raise ConfigError(
            f"quorum draft_model {settings.draft_model!r} is not a configured model ({known})"
        )
    client = client_for_model(settings, model, environ=environ, sleep=sleep)
    if client is None:
        log.info("quorum.drafting_off", reason="no API key", model_id=model.model_id)
        return None
    return ContractDrafter(client, **options)
