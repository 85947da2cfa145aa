"""The web pages and JSON API of ``omninode serve``.

``create_app`` builds the Starlette application: pages of runs (with a Gantt
timeline per run), stats and alerts, ``/metrics``, ``/health`` and ``/api/*``,
all behind :class:`~omninode_bridge.web.guard.RequestGuard` (read-only,
bounded, token-gated when a token is set). Everything the browser loads comes
from this package: templates, one stylesheet, one small script and
server-rendered SVG.
"""

from omninode_bridge.web.app import RunStore, WebOptions, WebSources, create_app
from omninode_bridge.web.guard import GuardOptions, RequestGuard
from omninode_bridge.web.server import ObservabilityServer
from omninode_bridge.web.serving import WebServer, is_loopback

__all__ = [
    "GuardOptions",
    "ObservabilityServer",
    "RequestGuard",
    "RunStore",
    "WebOptions",
    "WebServer",
    "WebSources",
    "create_app",
    "is_loopback",
]
