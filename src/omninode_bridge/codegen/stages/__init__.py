"""The six stages of code generation, one module each, in pipeline order.

Each stage function takes the run's shared :class:`~.state.Run` and one
contract's :class:`~.state.Job`; :class:`~omninode_bridge.codegen.workflow.CodegenWorkflow`
binds them into one :class:`~omninode_bridge.engine.models.WorkflowStep` per
contract per stage.
"""

from omninode_bridge.codegen.stages.models import models
from omninode_bridge.codegen.stages.package import package, package_result
from omninode_bridge.codegen.stages.parse import parse, parse_check
from omninode_bridge.codegen.stages.quality import quality
from omninode_bridge.codegen.stages.state import GENERATOR_VERSION, Job, Run
from omninode_bridge.codegen.stages.tests import tests
from omninode_bridge.codegen.stages.validators import validators

#: Stage ids in the order they run.
STAGE_NAMES: tuple[str, ...] = ("parse", "models", "validators", "tests", "quality", "package")

__all__ = [
    "GENERATOR_VERSION",
    "STAGE_NAMES",
    "Job",
    "Run",
    "models",
    "package",
    "package_result",
    "parse",
    "parse_check",
    "quality",
    "tests",
    "validators",
]
