"""Imported once by the worker processes' fork server: templates compiled, validators built.

``omninode generate --workers N`` names this module as the pool's preload, so
every worker forks from a process that already holds the compiled built-in
templates and the default validators (:func:`.compute.warm_up`).
"""

from omninode_bridge.codegen.stages.compute import warm_up

warm_up()
