"""The launcher's changes to argilla-server, run in the server's own Python.

`reuse_settings_adapters` swaps argilla-server's `parsed_settings` properties for ones
that reuse one pydantic adapter. It must validate exactly as the originals do (same
objects for every settings kind a campaign uses, same refusals) and build no adapter
per call, which is what it is for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server  # needs the server's virtual environment

PROBE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import pydantic
import _launcher
from argilla_server.models import database

built = []

class Counting(pydantic.TypeAdapter):
    def __init__(self, *args, **kwargs):
        built.append(1)
        super().__init__(*args, **kwargs)

database.TypeAdapter = Counting  # what the original properties build on every call
cases = json.loads(sys.argv[2])

def parse(kind, settings):
    owner = database.Question if kind == "question" else database.MetadataProperty
    try:
        return "ok", owner(settings=settings).parsed_settings.model_dump(mode="json")
    except pydantic.ValidationError as exc:
        return "refused", sorted(e["type"] for e in exc.errors())

def run():
    built.clear()
    results = [[parse(kind, settings) for _ in range(3)] for kind, settings in cases]
    return results, len(built)

before, built_before = run()
_launcher.reuse_settings_adapters()
after, built_after = run()
print(json.dumps({"before": before, "after": after,
                  "built_before": built_before, "built_after": built_after}))
"""

OPTIONS = [{"value": "correct", "text": "Correct"}, {"value": "wrong", "text": "Wrong"}]
CASES = [
    ("question", {"type": "label_selection", "options": OPTIONS, "visible_options": None}),
    ("question", {"type": "multi_label_selection", "options": OPTIONS, "visible_options": None}),
    ("question", {"type": "text", "use_markdown": False}),
    ("question", {"type": "rating", "options": [{"value": v} for v in range(11)]}),
    (
        "question",
        {
            "type": "span",
            "field": "translation",
            "options": [{"value": "major", "text": "major"}],
            "visible_options": None,
            "allow_overlapping": False,
        },
    ),
    ("question", {"type": "rating", "options": "many"}),  # refused: not a list
    ("question", {"type": "no-such-kind"}),  # refused
    ("metadata", {"type": "terms", "values": ["arc", "mmlu"]}),
    ("metadata", {"type": "float", "min": 0.0, "max": 1.0}),
    ("metadata", {"type": "integer", "min": None, "max": None}),
    ("metadata", {"type": "terms", "values": "arc"}),  # refused: not a list
]


def test_settings_validators_are_built_once_and_validate_as_before():
    from annotate import server

    here = Path(server.__file__).parent
    python = server.ensure_server_env()
    proc = subprocess.run(
        [str(python), "-c", PROBE, str(here), json.dumps(CASES)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    calls = 3 * len(CASES)
    assert out["built_before"] == calls  # the original builds an adapter on every call
    assert out["built_after"] == 0
    assert out["after"] == out["before"]
    outcomes = [runs[0][0] for runs in out["after"]]
    assert outcomes == ["ok"] * 5 + ["refused"] * 2 + ["ok"] * 3 + ["refused"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
