"""The seed documents' import paths, kept as re-exports only.

No code lives under ``agents/``; each module names where its code now lives:

- ``agents.scheduler``    -> :mod:`omninode_bridge.engine` (DAG, scheduler, retry)
- ``agents.coordination`` -> :mod:`omninode_bridge.engine.signals`
- ``agents.metrics``      -> :mod:`omninode_bridge.metrics`
- ``agents.workflows``    -> :mod:`omninode_bridge.engine`, :mod:`omninode_bridge.codegen`,
  :mod:`omninode_bridge.validation` and :mod:`omninode_bridge.quorum`
"""
