"""Evaluation building blocks for story clustering.

- ``metrics``: B-cubed precision/recall/F1 and the adjusted Rand index.
- ``datasets``: loaders that turn the evaluation corpora into :class:`~newsdesk.eval.datasets.EvalDoc` lists.
- ``baseline``: the TF-IDF single-pass clustering baseline reported beside the real system.

Nothing here is imported by the pipeline; it is used by tests and benchmarks.
"""
