"""CodegenWorkflow.get_mixin_recommendations and validate_patterns."""

from __future__ import annotations

import pytest

from omninode_bridge.codegen.insights import recommend_mixins
from omninode_bridge.codegen.workflow import CodegenWorkflow
from omninode_bridge.intelligence.mixin_learning import MixinLearningModel
from omninode_bridge.onex.mixins.catalog import resolve_mixins


async def test_recommendations_are_accepted_by_the_catalog_for_each_node_type() -> None:
    workflow = CodegenWorkflow()

    found = await workflow.get_mixin_recommendations(
        node_types=["EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR"]
    )

    assert list(found) == ["EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR"]
    for node_type, mixins in found.items():
        assert 0 < len(mixins) <= 5
        resolve_mixins(mixins, node_type=node_type)  # raises when the set is not accepted


async def test_every_recommended_pair_scores_at_least_the_threshold() -> None:
    model = MixinLearningModel()

    found = await recommend_mixins(model, ["effect"], threshold=0.85, limit=14)

    mixins = found["EFFECT"]
    assert len(mixins) > 1
    assert all(model.pair_score("EFFECT", a, b) >= 0.85 for a in mixins for b in mixins if a != b)


async def test_candidates_not_allowed_on_the_node_type_are_left_out() -> None:
    model = MixinLearningModel()

    found = await recommend_mixins(model, ["COMPUTE"], candidates=["MixinEventBus", "MixinMetrics"])

    assert found == {"COMPUTE": ["MixinMetrics"]}


async def test_unknown_node_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown node type 'GATEWAY'"):
        await CodegenWorkflow().get_mixin_recommendations(node_types=["GATEWAY"])


async def test_validate_patterns_reports_each_finding_with_its_file() -> None:
    code = {
        "pkg/a.py": "def f(x=[]):\n    return x\n",
        "pkg/b.py": '"""Clean."""\n',
    }

    report = await CodegenWorkflow().validate_patterns(generated_code=code)

    assert report["files"] == 2 and not report["passed"]
    [issue] = report["issues"]
    assert (issue["file"], issue["rule"], issue["line"]) == ("pkg/a.py", "PAT003", 1)


async def test_validate_patterns_of_clean_text_passes() -> None:
    report = await CodegenWorkflow().validate_patterns('"""Clean."""\n')

    assert report == {"issues": [], "files": 1, "passed": True}
