"""annotate: community validation of machine-translated LLM benchmarks on Argilla."""

__version__ = "0.1.0"
