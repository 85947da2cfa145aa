"""Code generation workflow infrastructure: the seed API's public module.

Re-exports the staged parallel executor and its records, the template manager,
the validation pipeline and the AI quorum.
"""

__all__: list[str] = []
