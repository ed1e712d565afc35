"""A new user's first steps, without a server: texts, defaults, the Makefile.

Each test here was written from a stumble met when the campaign was run as a
newcomer would (issue 10, point 10).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from annotate.model import Q_VERDICT
from annotate.records import question_titles

REPO = Path(__file__).resolve().parents[1]
LANGS = ("es", "ca", "eu", "gl", "pt", "en")


# --- the verdict hint without an original ---------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_verdict_hint_asks_to_compare_only_when_there_is_an_original(lang):
    key = f"{Q_VERDICT}_description"
    paired = question_titles(lang, with_original=True)[key]
    alone = question_titles(lang, with_original=False)[key]
    assert question_titles(lang)[key] == paired  # the default keeps the paired wording
    compare = paired.split(". ", 1)[0]  # "Compare it with the original", in `lang`
    assert compare not in alone
    # Both still explain the three verdicts, in the same words.
    assert paired.split(". ", 1)[1] in alone


# --- make sample PORT=... -------------------------------------------------------------


def _make_dry_run(*args: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    out = subprocess.run(
        [make, "-n", "-C", str(REPO), "sample", *args], capture_output=True, text=True, check=True
    )
    return next(line for line in out.stdout.splitlines() if "server start" in line)


def test_make_sample_honours_port():
    assert _make_dry_run("PORT=7123").split()[-2:] == ["--port", "7123"]
    assert "--port" not in _make_dry_run("PORT=")
