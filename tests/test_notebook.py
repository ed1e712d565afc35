"""notebooks/agreement.ipynb runs top to bottom on a real pulled and resolved campaign.

The campaign is pushed to the session's Argilla, answered by three volunteers through the
REST API, pulled and resolved with the CLI; the notebook is executed with nbclient in a
fresh kernel and must show, without any error, the alpha that the `krippendorff`
package computes here straight from the same snapshot's parquet file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import krippendorff
import nbformat
import numpy as np
import pandas as pd
import pytest
from campaigns import REPO, cli_json
from test_status import Scripted, push_campaign

from annotate.config import load_config

NOTEBOOK = REPO / "notebooks" / "agreement.ipynb"
VERDICT_CODES = {"correct": 0, "corrected": 1, "unusable": 2}

# item -> verdicts of (ana, ben, cris); None: that person did not submit
SCRIPT = {
    "arc": [
        ("correct", "correct", "correct"),
        ("correct", "correct", "corrected"),
        ("corrected", "corrected", "corrected"),
        ("unusable", "unusable", "correct"),
        ("correct", "correct", "correct"),
        ("correct", "corrected", "unusable"),
        ("corrected", "corrected", "correct"),
        ("correct", "correct", None),
    ],
    "mmlu": [
        ("correct", "correct", "correct"),
        ("unusable", "unusable", "unusable"),
        ("correct", "corrected", "correct"),
        ("corrected", "corrected", "corrected"),
        ("correct", "correct", "unusable"),
    ],
}


@pytest.fixture(scope="module")
def resolved_campaign(argilla_server, tmp_path_factory) -> Scripted:
    s = push_campaign(
        argilla_server, tmp_path_factory.mktemp("notebook"), {b: len(v) for b, v in SCRIPT.items()}
    )
    s.add_users("ana", "ben", "cris")
    for bench, items in SCRIPT.items():
        for i, verdicts in enumerate(items):
            for user, verdict in zip(("ana", "ben", "cris"), verdicts, strict=True):
                if verdict is not None:
                    s.answer(user, bench, i, verdict, question=f"Pregunta {bench} {i}")
    s.answer("cris", "arc", 7, "unusable", status="draft")  # not a vote
    cli_json("pull", "-c", str(s.config), info=argilla_server)
    cli_json("resolve", "-c", str(s.config))
    return s


def _kernel_manager(tmp: Path):
    """A kernel running this very interpreter (the venv with annotate), whatever kernel
    specs the machine has installed."""
    from ipykernel.kernelspec import install
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    install(kernel_name="annotate-test", prefix=str(tmp))
    kernels = tmp / "share" / "jupyter" / "kernels"
    spec = json.loads((kernels / "annotate-test" / "kernel.json").read_text(encoding="utf-8"))
    assert spec["argv"][0] == sys.executable
    return KernelManager(
        kernel_name="annotate-test", kernel_spec_manager=KernelSpecManager(kernel_dirs=[kernels])
    )


def _expected_alphas(workdir: Path) -> dict[str, float]:
    """Alpha per benchmark and overall with the krippendorff package, from the raw snapshot."""
    name = (workdir / "LATEST").read_text(encoding="utf-8").strip()
    r = pd.read_parquet(workdir / "snapshots" / name / "responses.parquet")
    r = r[(r["status"] == "submitted") & (r["question"] == "verdict")]
    out = {}
    for bench, grp in [*r.groupby("benchmark"), ("overall", r)]:
        table = grp.pivot(index="user_id", columns="record_id", values="value")
        matrix = table.apply(lambda col: col.map(VERDICT_CODES)).to_numpy(dtype=float)
        out[str(bench)] = float(krippendorff.alpha(matrix, level_of_measurement="nominal"))
    return out


def _texts(nb) -> list[str]:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                out.append(o.get("text", ""))
            elif "data" in o:
                out.append(o["data"].get("text/plain", ""))
    return out


@pytest.mark.server
def test_agreement_notebook_runs_and_shows_the_alpha(
    resolved_campaign: Scripted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient import NotebookClient

    s = resolved_campaign
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "the notebook is stored without outputs"
    )
    monkeypatch.setenv("ANNOTATE_CONFIG", str(s.config))
    client = NotebookClient(
        nb,
        km=_kernel_manager(tmp_path / "kernel"),
        timeout=300,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},  # run where a user would
    )
    client.execute()
    nbformat.write(nb, tmp_path / "agreement-executed.ipynb")

    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == [], errors
    text = "\n".join(_texts(nb))

    expected = _expected_alphas(load_config(s.config).workdir)
    assert set(expected) == {"arc", "mmlu", "overall"}
    assert all(np.isfinite(list(expected.values())))
    for bench, alpha in expected.items():
        assert f"{bench}: α = {alpha:.4f}" in text, (bench, alpha, text[:3000])
    # it used what `annotate resolve` saved from this very pull
    assert "Resolution saved by `annotate resolve`" in text
    # the sections an organizer reads are all there
    assert "agreement_with_consensus" in text
    assert "correct vs corrected" in text
    worst = s.records["arc"][5]["external_id"].split(":", 1)[1]  # 1-1-1: the least agreed
    assert worst in text
