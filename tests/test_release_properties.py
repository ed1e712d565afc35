"""Whole campaigns, generated: what reaches a published row (issue 10, the property).

Each example is a small campaign over real Okapi items (ARC, MMLU with an indented
program, TruthfulQA with 20+ choices) and a hand-made MMLU item with tabs, answered by up
to four annotators with random verdicts, statuses and corrections. Some corrections break
a blocking check (empty or duplicated choice, broken markers, a secret, no real change),
some only change whitespace or add a zero-width character, some keep indentation and
tabs, and some votes were cast on an earlier text. Then resolve and publish's row
building run, and for every published row:

* the row is the source row, or the source row with a correction an annotator wrote
  on the current text that passes every blocking check, with the annotator's whitespace
  (NFC only);
* it carries no vote cast on an earlier text: `n_annotators` counts current votes only,
  and it is validated or corrected only with enough of them.

Pure: no server, no disk.
"""

from __future__ import annotations

import copy
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from releases import Responses, load, okapi_rows, published, run

from annotate.adapters import get_adapter
from annotate.model import format_correction, parse_correction
from annotate.privacy import find_secrets, redact
from annotate.resolve import blocks, correction_issues, normalize_text

MIN_VOTES = 2
VERDICTS_WEIGHTED = ("corrected", "correct", "corrected", "corrected", "unusable")
USERS = ("ana", "ben", "cris", "dani")
OLD_HASH = "0123456789abcdef"

HAND_MADE_MMLU = {
    "id": "college_computer_science/dev/99",
    "instruction": "¿Qué imprime este programa?\n\tfor i in range(3):\n\t\tprint(i)",
    "option_a": "0  1  2",
    "option_b": "    0\n    1\n    2",
    "option_c": "\t1\n\t2",
    "option_d": "nada",
    "answer": "B",
}


def _pool() -> dict[str, tuple[str, list]]:
    arc = okapi_rows("m_arc_es_validation.json")[:6]
    mmlu = okapi_rows("m_mmlu_es_dev.json")
    tqa = okapi_rows("m_truthfulqa_es_validation.json")
    return {
        "arc": ("arc", load("arc", "arc", arc)),
        "mmlu": ("mmlu", load("mmlu", "mmlu", [mmlu[120], *mmlu[:3], HAND_MADE_MMLU], "dev")),
        "truthfulqa": (
            "truthfulqa",
            load("truthfulqa", "truthfulqa", [tqa[304], tqa[576], tqa[91], tqa[0]]),
        ),
    }


POOL = _pool()

# How an annotator may rewrite one segment of the machine translation.
EDITS = (
    *("keep", "reword", "indent", "tabs") * 3,
    "spaces_only",
    "zero_width",
    "empty",
    "duplicate",
    "email",
    "token",
    "key",
)
SECRETS = {
    "email": "josé.pérez@ejemplo.es",
    "token": "hf_pastedByMistake0123456789XYZ",
    "key": "annotate.Zx8_vQ3-kL0pW2mN7rT5yB1cD4fG6hJ9",
}


def edit(segments: dict[str, str], name: str, how: str) -> str:
    text = segments[name]
    others = [t for n, t in segments.items() if n not in (name, "question")]
    return {
        "keep": text,
        "reword": text + " (corregido)",
        "indent": "    " + text.replace("\n", "\n    ") + "\n  fin",
        "tabs": text + "\t\tcon  dos  espacios",
        "spaces_only": "  " + text.replace(" ", "  ") + " ",
        "zero_width": text + "\u200b",
        "empty": "",
        "duplicate": others[0] if others else text,
        "email": f"{text} {SECRETS['email']}",
        "token": f"{text} {SECRETS['token']}",
        "key": f"{text} {SECRETS['key']}",
    }[how]


@st.composite
def correction_text(draw, segments: dict[str, str]) -> str:
    names = list(segments)
    touched = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
    new = {
        n: edit(segments, n, draw(st.sampled_from(EDITS))) if n in touched else segments[n]
        for n in names
    }
    text = format_correction(new)
    if draw(st.integers(0, 9)) == 0:  # a broken marker: unparseable
        text = text.replace(f"[[{names[-1]}]]", f"[{names[-1]}]", 1)
    if draw(st.booleans()):  # the text box's own blank lines and trailing newline
        text = text.replace("\n[[", "\n\n[[") + "\n"
    return text


@st.composite
def campaigns(draw):
    benches = {}
    for name, (adapter, items) in POOL.items():
        chosen = draw(st.lists(st.sampled_from(range(len(items))), max_size=3, unique=True))
        if chosen:
            benches[name] = (adapter, [items[i] for i in sorted(chosen)])
    r = Responses()
    for _adapter, items in benches.values():
        for item in items:
            # two shared candidates, so annotators often agree on a correction
            candidates = [draw(correction_text(item.segments)) for _ in range(2)]
            n_users = draw(st.sampled_from([2, 3, 2, 4, 3, 1, 0]))
            for user in draw(st.permutations(USERS))[:n_users]:
                verdict = draw(st.sampled_from(VERDICTS_WEIGHTED))
                correction = None
                if verdict == "corrected":
                    pick = draw(st.sampled_from([0, 0, 1, 2]))
                    correction = (
                        candidates[pick] if pick < 2 else draw(correction_text(item.segments))
                    )
                r.answer(
                    item,
                    user,
                    verdict,
                    correction=correction,
                    status=draw(st.sampled_from(["submitted"] * 8 + ["draft", "discarded"])),
                    content_hash=OLD_HASH if draw(st.integers(0, 4)) == 4 else None,
                )
    return benches, r


def acceptable_rows(item, adapter: str, votes: list[dict]) -> list[dict]:
    """The source row, and the source row with each current correction that passes every
    blocking check (segments that differ only invisibly keep the MT; the rest NFC)."""
    rows = [item.row]
    mt = item.segments
    for vote in votes:
        seg = parse_correction(vote["correction"], list(mt)) if vote["correction"] else None
        if seg is None:
            continue
        final = {
            n: m
            if normalize_text(seg[n]) == normalize_text(m)
            else unicodedata.normalize("NFC", seg[n])
            for n, m in mt.items()
        }
        if not blocks(correction_issues(final, mt, item.original)):
            rows.append(get_adapter(adapter).to_row(item, final))
    return rows


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(campaign=campaigns())
def test_every_published_row_is_the_source_or_an_accepted_current_correction(campaign):
    benches, r = campaign
    frame = r.frame()
    before = {it.record_id: copy.deepcopy(it.row) for _, items in benches.values() for it in items}
    res, tables = run(benches, frame, min_votes=MIN_VOTES)
    statuses = res.items.set_index("record_id")["status"]

    for name, (adapter, items) in benches.items():
        rows = published(tables[name])
        assert set(rows) == {it.record_id for it in items if statuses[it.record_id] != "unusable"}
        for item in items:
            if item.record_id not in rows:
                continue
            row = rows[item.record_id]
            source_part = {k: row[k] for k in item.row}
            mine = frame[frame["record_id"] == item.record_id]
            current = mine[
                (mine["content_hash"] == item.content_hash) & (mine["status"] == "submitted")
            ]
            verdicts = current[current["question"] == "verdict"]
            # no row carries votes cast on an earlier text
            assert row["n_annotators"] == verdicts["user_id"].nunique()
            if row["validation_status"] in ("validated", "corrected"):
                assert len(verdicts) >= MIN_VOTES
            # the row is the source, or an accepted correction written on the current text
            if row["validation_status"] != "corrected":
                assert source_part == item.row
                assert row["machine_translation"] is None
            else:
                corrections = current[current["question"] == "correction"]
                voted = set(verdicts[verdicts["value"] == "corrected"]["user_id"])
                votes = [
                    {"correction": v}
                    for u, v in zip(corrections["user_id"], corrections["value"], strict=True)
                    if u in voted
                ]
                assert source_part in acceptable_rows(item, adapter, votes)
                assert source_part != item.row
    # nothing was written into the source rows
    assert {it.record_id: it.row for _, items in benches.values() for it in items} == before


LETTERS = st.characters(categories=("Ll", "Lu"), exclude_characters="ıİſK")
WORD = st.text(LETTERS, min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(
    local=st.lists(WORD, min_size=1, max_size=3).map(".".join),
    domain=st.lists(WORD, min_size=1, max_size=2).map(".".join),
    tld=st.text(st.characters(categories=("Ll",)), min_size=2, max_size=4),
    before=st.sampled_from(["", "Escríbeme a ", "correo: ", "("]),
    after=st.sampled_from(["", ".", ", gracias", ")"]),
)
def test_redaction_removes_any_unicode_address_whole(local, domain, tld, before, after):
    address = f"{local}@{domain}.{tld}"
    out = redact(f"{before}{address}{after}")
    assert out == f"{before}[email removed]{after}"
    assert find_secrets(f"{before}{address}{after}") == ["email"]
