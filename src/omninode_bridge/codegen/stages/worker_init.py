"""Imported once by the worker processes' fork server: templates compiled, validators built.

``omninode generate --workers N`` names this module as the pool's preload, so
every worker forks from a process that already holds the compiled built-in
templates and the default validators (:func:`.compute.warm_up`), and jsonschema
(imported lazily by the contract and model code, ~1 s with its format extras:
paid once here, not once per worker).
"""

import gc

import jsonschema  # noqa: F401  (imported for its side effect: loaded before the fork)

from omninode_bridge.codegen.stages.compute import warm_up

warm_up()

# Everything imported and compiled so far lives as long as the workers: keep it
# out of the collector's generations (cheaper collections, no copy-on-write of
# the forked pages by the collector touching them).
gc.freeze()
