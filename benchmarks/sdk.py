"""The argilla SDK, for the baselines the benchmarks compare annotate with (annotate itself
talks to the REST API and never imports the SDK)."""

from __future__ import annotations

from typing import Any


def quiet_sdk() -> None:
    """Keep the SDK's own progress bars, warnings and log lines off our stderr.

    annotate shows one progress bar and one summary; the SDK would add a tqdm bar per
    call, "not found" warnings for lookups we expect to miss, and batch-size notes.
    """
    import logging
    import warnings

    from argilla.records import _dataset_records

    _dataset_records.tqdm = lambda iterable=None, **_: iterable
    logging.getLogger("argilla.sdk").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"argilla(\..*)?")


def sdk_records(payloads: list[dict]) -> list[Any]:
    """records.record_payload dicts -> SDK records (ids become external ids): what a
    plain SDK script would log (the push benchmark's baseline)."""
    import argilla as rg

    return [
        rg.Record(
            id=p["id"],
            fields=p["fields"],
            metadata=p["metadata"],
            suggestions=[
                # a dict carries its agent and score too (triage's span suggestions)
                rg.Suggestion(question_name=q, **v)
                if isinstance(v, dict)
                else rg.Suggestion(question_name=q, value=v)
                for q, v in p["suggestions"].items()
            ],
        )
        for p in payloads
    ]
