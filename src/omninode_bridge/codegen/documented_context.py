"""The API Reference's context for the node templates, expanded to the generator's own.

The API Reference renders a built-in node template with a short context::

    await manager.render_template(
        "node_effect_v1",
        context={"node_name": "MyEffect", "description": "My custom effect node",
                 "mixins": ["LoggingMixin", "MetricsMixin"]},
    )

The built-in ``node_<type>_v1`` templates are written for the generator's
context (``header``, ``class_line``, import lines, models...). When such a
template is rendered with ``node_name`` and without the generator's
``class_line``, :func:`expand_documented_context` builds the one-node contract
those keys describe (``node_name`` -> ``Node<Name><Type>``, the mixins by
their catalog names: ``MetricsMixin`` is ``MixinMetrics``), derives its
:class:`~omninode_bridge.codegen.spec.NodeSpec` the way the generator does,
and returns the generator's context with the caller's other keys on top. The
rendered text is the ``node.py`` the generator writes for that contract.

Any other context renders as given: a variable the template needs and the
context lacks is a :class:`~omninode_bridge.errors.TemplateRenderError`
naming it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any, Final

from pydantic import ValidationError

from omninode_bridge import __version__
from omninode_bridge.codegen.naming import class_name, service_name
from omninode_bridge.codegen.render import node_context
from omninode_bridge.codegen.spec import build_node_spec
from omninode_bridge.codegen.writer import Provenance
from omninode_bridge.contracts import Contract
from omninode_bridge.contracts.model import ContractVersion, MixinSpec, NodeType
from omninode_bridge.errors import OmniNodeError, TemplateRenderError
from omninode_bridge.logs import get_correlation_id, get_logger
from omninode_bridge.onex.mixins.catalog import canonical_mixin_name, close_mixin_names

__all__ = ["DOCUMENTED_KEYS", "expand_documented_context", "is_documented_context"]

log = get_logger(__name__, component="templates")

#: The keys of the API Reference's node template context.
DOCUMENTED_KEYS: Final = ("node_name", "description", "mixins")
_NODE_TEMPLATE: Final = re.compile(r"^node_(effect|compute|reducer|orchestrator)_v\d+$")


def is_documented_context(template_id: str, context: Mapping[str, Any], *, builtin: bool) -> bool:
    """Whether ``context`` is the documented short context of a built-in node template."""
    return (
        builtin
        and _NODE_TEMPLATE.match(template_id) is not None
        and "node_name" in context
        and "class_line" not in context
    )


def expand_documented_context(
    template_id: str, context: Mapping[str, Any], template_sha256: str
) -> dict[str, Any]:
    """The generator's context for the node the documented keys describe.

    Args:
        template_id: A built-in ``node_<type>_v<N>`` template.
        context: ``node_name`` (required), ``description`` and ``mixins``;
            other keys are passed to the template as they are.
        template_sha256: Content hash of the template, for the file header.

    Raises:
        TemplateRenderError: A documented key has an unusable value (naming
            the key and what was expected).
    """
    match = _NODE_TEMPLATE.match(template_id)
    if match is None:  # pragma: no cover - callers check is_documented_context first
        raise TemplateRenderError(
            f"'{template_id}' is not a node template", template_id=template_id
        )
    node_type = match.group(1)
    name = _text(template_id, context, "node_name")
    description = _text(template_id, context, "description", f"{name} {node_type} node")
    mixins = _mixins(template_id, context.get("mixins", ()))
    try:
        contract = Contract(
            name=class_name(name, node_type),
            node_type=NodeType(node_type),
            service_name=service_name(name, node_type),
            version=ContractVersion(major=1, minor=0, patch=0),
            description=description,
            mixins=tuple(MixinSpec(name=m) for m in mixins),
        )
        spec = build_node_spec(contract)
    except (OmniNodeError, ValidationError) as exc:
        raise TemplateRenderError(
            f"cannot render template '{template_id}' from the documented context "
            f"(node_name={name!r}, mixins={list(mixins)}): {exc}",
            template_id=template_id,
        ) from None
    provenance = Provenance(
        generator_version=__version__,
        contract_sha256=hashlib.sha256(repr(contract.model_dump()).encode()).hexdigest(),
        templates_sha256=template_sha256,
        run_id="render_template",
        correlation_id=get_correlation_id() or "-",
    )
    extra = {k: v for k, v in context.items() if k not in DOCUMENTED_KEYS}
    header = "\n".join(provenance.header_lines("#"))
    return {"header": header, **node_context(spec), **extra}


def _text(template_id: str, context: Mapping[str, Any], key: str, default: str = "") -> str:
    value = context.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise TemplateRenderError(
            f"cannot render template '{template_id}': context '{key}' must be a non-empty "
            f"string, got {value!r}",
            template_id=template_id,
            variable=key,
        )
    return value.strip()


def _mixins(template_id: str, raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
        raise TemplateRenderError(
            f"cannot render template '{template_id}': context 'mixins' must be a list of "
            f"mixin names, got {raw!r}",
            template_id=template_id,
            variable="mixins",
        )
    names: list[str] = []
    for item in raw:
        known = canonical_mixin_name(str(item))
        if known is None:
            close = close_mixin_names(str(item))
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise TemplateRenderError(
                f"cannot render template '{template_id}': context 'mixins' names an unknown "
                f"mixin {item!r}{hint}",
                template_id=template_id,
                variable="mixins",
            )
        if known != item:
            log.info("templates.mixin_name_mapped", given=str(item), catalog_name=known)
        names.append(known)
    return tuple(dict.fromkeys(names))
