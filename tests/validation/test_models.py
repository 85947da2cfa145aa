"""ValidationContext keeps the seed's constructor; findings render as the seed's text."""

from __future__ import annotations

from omninode_bridge.validation.models import (
    Finding,
    ModuleKind,
    Severity,
    ValidationContext,
)


def test_context_seed_constructor_still_works() -> None:
    ctx = ValidationContext("effect", "Effect node for API calls", ["Code quality"])
    assert (ctx.node_type, ctx.contract_summary, ctx.validation_criteria) == (
        "effect",
        "Effect node for API calls",
        ["Code quality"],
    )
    assert ctx.operations == [] and ctx.models == [] and ctx.module_kind is ModuleKind.AUTO


def test_context_without_summary() -> None:
    ctx = ValidationContext(node_type="compute", validation_criteria=["ONEX v2.0 compliance"])
    assert ctx.contract_summary == ""
    assert ctx.declared_node_type == "compute"


def test_declared_node_type_ignores_auto_and_unknown() -> None:
    assert ValidationContext("auto").declared_node_type is None
    assert ValidationContext("Effect").declared_node_type == "effect"
    assert ValidationContext("gateway").declared_node_type is None


def test_test_file_detection() -> None:
    assert ValidationContext("auto", file_path="pkg/tests/test_node.py").is_test_file
    assert ValidationContext("auto", file_path="conftest.py").is_test_file
    assert not ValidationContext("auto", file_path="pkg/node.py").is_test_file


def test_finding_text() -> None:
    finding = Finding("ONEX005", Severity.ERROR, 3, 4, "print() used", "use emit_log_event")
    assert str(finding) == "ONEX005 line 3:4: print() used"
    assert finding.suggestion_text == "ONEX005 line 3: use emit_log_event"
