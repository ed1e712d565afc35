"""Benchmark adapters: a source row <-> an Item of named text segments.

An adapter finds where each reviewable text lives in a row (its *layout*: segment name
-> locations in the row), reads those texts into `Item.segments`, and rebuilds the row
by writing (possibly corrected) texts back into a copy of the row. Because rebuilding
only overwrites those locations, `to_row(item, item.segments) == row` holds exactly:
same keys, same order, same types, untouched ids, answers and labels.

Segment names: `question`, `context` (HellaSwag's `ctx`), then choices `A`, `B`, ...
`Z`, `AA`, `AB`, ... in display order. `segment_columns(row)` tells publish which column
each segment came from (e.g. {"question": ["instruction"], "A": ["option_a"]}).

Shapes understood:
- arc / mmlu: Okapi (`instruction`, `option_a`..`option_e`, `answer` letter, `id`); also
  the Hub shapes of allenai/ai2_arc (`question`, `choices{text,label}`, `answerKey`) and
  cais/mmlu (`question`, `subject`, `choices` list, `answer` int), so English originals go
  through the same code. Trailing empty/None/missing options mean "fewer options".
- hellaswag: `ctx` is the `context` segment, `endings` the choices, `label` the answer,
  `activity_label` the metadata `category`, `ind` the key. On rebuild, when the source
  row had `ctx == ctx_a + " " + ctx_b` (or `ctx == ctx_a` with an empty `ctx_b`) that
  relation is kept: `ctx_b` stays if the corrected context still ends with it, otherwise
  the whole corrected context goes to `ctx_a` and `ctx_b` becomes "". Rows without the
  relation keep `ctx_a`/`ctx_b` untouched and only `ctx` changes: we cannot know how a
  free correction splits, and `ctx` is what evaluation harnesses read.
- truthfulqa (mc): ONE item over the union of the mc1 and mc2 choices. Identical strings
  are merged across the two lists in first-seen order, occurrence by occurrence: the
  k-th copy of a string in mc1 is the k-th copy in mc2. So a choice shared by both lists
  is reviewed once and written back to both, while two different English choices that
  the machine translation collapsed into one string stay two segments (annotators can
  tell them apart again). Answer = the choices labelled 1 in mc1. Flat Okapi columns
  (`mc1_targets_choices`/`_labels`) and the Hub's nested `mc1_targets{choices,labels}`.
- generic: driven by config `columns`.

Keys: the id column when there is one; otherwise `<prefix>-<sha1(normalised first
text)[:10]>` (prefix `tqa`, `hs` or `row`), which does not depend on the row's position:
reordering the file or deleting other rows keeps every key. Rows that repeat a first
text are told apart in `identity.disambiguate`; an edited first text is matched back to
its record by `identity.match_identities` (push and resolve).

Rows with an empty question/choice, a wrong-typed column, a missing column or an answer
that names no choice raise `RowError(index, message)`: they are reported, never fixed.
So do questionable items a release must not carry as if they were fine: an ARC/MMLU
row with no answer (HellaSwag's test split has no labels by design, so there it is
allowed), ai2_arc `choices.text` and `choices.label` of different lengths, a TruthfulQA
row whose mc1 has zero or several correct answers or whose mc2 has none.
"""

from __future__ import annotations

import copy
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotate.model import Item, format_correction, parse_correction

Loc = tuple[str | int, ...]

_OPTION = re.compile(r"^option_([a-z])$")


class RowError(Exception):
    """A row that cannot become an item; `index` is its 0-based position in the source."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(f"row {index}: {message}")
        self.index = index
        self.message = message


class Mismatch(ValueError):
    """An original row that does not fit its translation (different choices or answer)."""


@dataclass(frozen=True)
class Layout:
    """Where an item's texts live in its row, plus what the row says about them."""

    segments: dict[str, tuple[Loc, ...]]
    answer: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    key: str | None = None
    key_prefix: str = "row"
    shape: tuple[Any, ...] | None = None


def choice_names(n: int) -> list[str]:
    """A, B, ..., Z, AA, AB, ...: spreadsheet-style letters for n choices."""
    names = []
    for i in range(1, n + 1):
        name = ""
        while i:
            i, rest = divmod(i - 1, 26)
            name = chr(ord("A") + rest) + name
        names.append(name)
    return names


def generated_key(prefix: str, text: str) -> str:
    """Key for rows without an id: a hash of the normalised first text, not the position.

    Reordering or deleting other rows keeps it; rows sharing that text are told apart
    by `identity.disambiguate`, and edits of the text itself by `identity.match_identities`.
    """
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return f"{prefix}-{hashlib.sha1(folded.encode('utf-8')).hexdigest()[:10]}"


def loc_name(loc: Loc) -> str:
    """('choices', 'text', 2) -> 'choices.text[2]' (for messages and publish)."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def get_at(row: Any, loc: Loc) -> Any:
    for part in loc:
        row = row[part]
    return row


def _set_at(row: Any, loc: Loc, value: Any) -> None:
    for part in loc[:-1]:
        row = row[part]
    row[loc[-1]] = value


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


# --- row readers (raise RowError, never fix) ------------------------------------------


def _column(row: Mapping[str, Any], name: str, index: int) -> Any:
    if name not in row:
        raise RowError(index, f"missing column '{name}'")
    return row[name]


def _text(value: Any, where: str, index: int, what: str = "text") -> str:
    if not isinstance(value, str):
        raise RowError(index, f"column '{where}' is {_type_name(value)}, expected text")
    if not value.strip():
        raise RowError(index, f"empty {what} in '{where}'")
    return value


def _list(value: Any, where: str, index: int) -> list[Any]:
    if not isinstance(value, list):
        raise RowError(index, f"column '{where}' is {_type_name(value)}, expected a list")
    return value


def _choice_locs(row: Mapping[str, Any], locs: Sequence[Loc], index: int) -> list[Loc]:
    """The choice locations actually in use: trailing empty/None/missing ones are dropped.

    An empty choice *before* a non-empty one is an error, not a shorter list.
    """

    def present(loc: Loc) -> bool:
        try:
            value = get_at(row, loc)
        except (KeyError, IndexError):
            return False
        return value is not None and not (isinstance(value, str) and not value.strip())

    last = max((i for i, loc in enumerate(locs) if present(loc)), default=-1)
    for loc in locs[last + 1 :]:
        try:
            value = get_at(row, loc)
        except (KeyError, IndexError):
            continue
        if value is not None and not isinstance(value, str):
            raise RowError(index, f"column '{loc_name(loc)}' is {_type_name(value)}, expected text")
    used = list(locs[: last + 1])
    for loc in used:
        try:
            value = get_at(row, loc)
        except (KeyError, IndexError):
            raise RowError(index, f"missing column '{loc_name(loc)}'") from None
        if value is None:
            raise RowError(index, f"empty choice in '{loc_name(loc)}'")
        _text(value, loc_name(loc), index, "choice")
    if len(used) < 2:
        raise RowError(index, f"{len(used)} choice(s): a multiple-choice item needs at least 2")
    return used


def _answer_from(
    value: Any, names: list[str], texts: list[str], where: str, index: int
) -> tuple[str, ...]:
    """Answer segment name from a letter, a 0-based int index, or the choice's own text."""
    if value is None or value == "":
        return ()
    if isinstance(value, bool):
        raise RowError(index, f"column '{where}' is bool, expected a letter or an index")
    if isinstance(value, int):
        if 0 <= value < len(names):
            return (names[value],)
        raise RowError(index, f"answer index {value} is out of range for {len(names)} choices")
    if isinstance(value, str):
        letter = value.strip().upper()
        if letter in names:
            return (letter,)
        if value in texts:
            return (names[texts.index(value)],)
        raise RowError(index, f"answer '{value}' is not one of the choices {names[0]}-{names[-1]}")
    raise RowError(index, f"column '{where}' is {_type_name(value)}, expected a letter")


# --- adapters -------------------------------------------------------------------------


class Adapter:
    """Base adapter: subclasses only say where texts live (`layout`)."""

    kind = "base"

    def layout(self, row: Mapping[str, Any], index: int) -> Layout:
        raise NotImplementedError

    def to_item(self, row: Mapping[str, Any], index: int, benchmark: str, split: str) -> Item:
        """Split one source row into an Item (RowError when the row is not usable)."""
        if not isinstance(row, Mapping):
            raise RowError(index, f"row is {_type_name(row)}, expected an object")
        lay = self.layout(row, index)
        segments = {name: get_at(row, locs[0]) for name, locs in lay.segments.items()}
        _check_markers(segments, index)
        first = next(iter(segments.values()))
        key = lay.key or generated_key(lay.key_prefix, first)
        metadata = {"split": split, **lay.metadata} if split else dict(lay.metadata)
        return Item(
            benchmark=benchmark,
            key=key,
            index=index,
            segments=segments,
            row=row,  # type: ignore[arg-type]
            answer=lay.answer,
            metadata=metadata,
        )

    def to_row(self, item: Item, segments: Mapping[str, str]) -> dict[str, Any]:
        """The item's source row with `segments` written back in place (a new dict)."""
        lay = self.layout(item.row, item.index)
        if set(segments) != set(lay.segments):
            raise ValueError(
                f"segments {sorted(segments)} do not match the item's {sorted(lay.segments)}"
            )
        out = copy.deepcopy(item.row)
        for name, locs in lay.segments.items():
            text = segments[name]
            if not isinstance(text, str):
                raise TypeError(f"segment {name} is {_type_name(text)}, expected str")
            for loc in locs:
                _set_at(out, loc, text)
        return out

    def segment_columns(self, row: Mapping[str, Any], index: int = 0) -> dict[str, list[str]]:
        """Segment name -> the columns it is read from / written to (e.g. 'endings[2]')."""
        lay = self.layout(row, index)
        return {name: [loc_name(loc) for loc in locs] for name, locs in lay.segments.items()}

    def align_original(self, item: Item, original: Mapping[str, Any], index: int) -> dict[str, str]:
        """The original row's texts under the item's segment names.

        RowError when the original row is unusable, Mismatch when it has other choices
        or another answer: showing it would mislead the annotator.
        """
        orig = self.to_item(original, index, item.benchmark, "")
        tnames, onames = list(item.segments), list(orig.segments)
        if tnames != onames:
            tn, on = _count_choices(tnames), _count_choices(onames)
            if tn != on:
                raise Mismatch(f"translation has {tn} choices but the original has {on}")
            raise Mismatch(f"segments differ: {tnames} vs {onames}")
        if item.answer != orig.answer:
            raise Mismatch(
                f"answer differs: translation {list(item.answer)}, original {list(orig.answer)}"
            )
        return dict(orig.segments)

    def profile(self, row: Mapping[str, Any], index: int = 0) -> list[str]:
        """The texts content pairing compares, in an order translation preserves."""
        lay = self.layout(row, index)
        return [get_at(row, locs[0]) for locs in lay.segments.values()]

    def shape(self, row: Mapping[str, Any], index: int = 0) -> tuple[Any, ...]:
        """What translation leaves unchanged (choice count, answer): used by content pairing."""
        lay = self.layout(row, index)
        if lay.shape is not None:
            return lay.shape
        choices = [n for n in lay.segments if n not in ("question", "context")]
        return (len(choices), lay.answer)


def _require_answer(answer: tuple[str, ...], where: str, index: int) -> None:
    """A multiple-choice item with no answer cannot be scored: never publish it as one."""
    if not answer:
        raise RowError(index, f"no answer in '{where}'")


def _count_choices(names: Sequence[str]) -> int:
    return len([n for n in names if n not in ("question", "context")])


def _check_markers(segments: Mapping[str, str], index: int) -> None:
    """A text containing a `[[name]]` line would break the correction format: reject it."""
    names = list(segments)
    parsed = parse_correction(format_correction(segments), names)
    if parsed is None:
        raise RowError(index, "a text contains a line like '[[...]]', reserved for corrections")


def _id_key(row: Mapping[str, Any], column: str, index: int) -> str | None:
    value = row.get(column)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(index, f"column '{column}' is {_type_name(value)}, expected text or int")
    return str(value)


class MultipleChoiceAdapter(Adapter):
    """ARC and MMLU: a question and 2+ lettered options."""

    def __init__(self, kind: str = "arc") -> None:
        self.kind = kind

    def layout(self, row: Mapping[str, Any], index: int) -> Layout:
        if "instruction" in row:
            lay = self._okapi(row, index)
        elif isinstance(row.get("choices"), Mapping):
            lay = self._ai2_arc(row, index)
        elif "choices" in row and "question" in row:
            lay = self._cais_mmlu(row, index)
        else:
            raise RowError(
                index,
                "missing column 'instruction' (expected Okapi columns instruction/option_a.. "
                "or Hub columns question/choices)",
            )
        if self.kind == "mmlu" and "subject" not in lay.metadata:
            if lay.key and "/" in lay.key:
                lay.metadata["subject"] = lay.key.split("/", 1)[0]
            elif isinstance(row.get("subject"), str) and row["subject"]:
                lay.metadata["subject"] = row["subject"]
        return lay

    def _okapi(self, row: Mapping[str, Any], index: int) -> Layout:
        _text(row["instruction"], "instruction", index, "question")
        letters = sorted(m.group(1) for c in row if (m := _OPTION.match(c)))
        if not letters:
            raise RowError(index, "missing column 'option_a'")
        top = ord(letters[-1]) - ord("a") + 1
        locs = _choice_locs(row, [(f"option_{chr(ord('a') + i)}",) for i in range(top)], index)
        names = choice_names(len(locs))
        segments: dict[str, tuple[Loc, ...]] = {"question": (("instruction",),)}
        segments.update({name: (loc,) for name, loc in zip(names, locs, strict=True)})
        texts = [row[loc[0]] for loc in locs]
        answer = _answer_from(_column(row, "answer", index), names, texts, "answer", index)
        _require_answer(answer, "answer", index)
        return Layout(segments, answer, {}, _id_key(row, "id", index))

    def _ai2_arc(self, row: Mapping[str, Any], index: int) -> Layout:
        _text(_column(row, "question", index), "question", index, "question")
        choices = row["choices"]
        texts = _list(choices.get("text"), "choices.text", index)
        locs = _choice_locs(row, [("choices", "text", i) for i in range(len(texts))], index)
        names = choice_names(len(locs))
        labels = _list(choices.get("label"), "choices.label", index)
        if len(labels) != len(texts):
            raise RowError(
                index, f"choices.text has {len(texts)} entries but choices.label has {len(labels)}"
            )
        answer: tuple[str, ...] = ()
        key_value = row.get("answerKey")
        if key_value not in (None, ""):
            if key_value in labels[: len(names)]:
                answer = (names[labels.index(key_value)],)
            else:
                raise RowError(index, f"answerKey '{key_value}' is not one of the labels {labels}")
        _require_answer(answer, "answerKey", index)
        segments: dict[str, tuple[Loc, ...]] = {"question": (("question",),)}
        segments.update({name: (loc,) for name, loc in zip(names, locs, strict=True)})
        return Layout(segments, answer, {}, _id_key(row, "id", index))

    def _cais_mmlu(self, row: Mapping[str, Any], index: int) -> Layout:
        _text(row["question"], "question", index, "question")
        texts = _list(row["choices"], "choices", index)
        locs = _choice_locs(row, [("choices", i) for i in range(len(texts))], index)
        names = choice_names(len(locs))
        answer = _answer_from(row.get("answer"), names, texts, "answer", index)
        _require_answer(answer, "answer", index)
        segments: dict[str, tuple[Loc, ...]] = {"question": (("question",),)}
        segments.update({name: (loc,) for name, loc in zip(names, locs, strict=True)})
        metadata = {"subject": row["subject"]} if isinstance(row.get("subject"), str) else {}
        return Layout(segments, answer, metadata, _id_key(row, "id", index))


class HellaSwagAdapter(Adapter):
    """HellaSwag: a context and endings; see the module docstring for ctx_a/ctx_b."""

    kind = "hellaswag"

    def layout(self, row: Mapping[str, Any], index: int) -> Layout:
        _text(_column(row, "ctx", index), "ctx", index, "context")
        endings = _list(_column(row, "endings", index), "endings", index)
        for i, ending in enumerate(endings):
            _text(ending, f"endings[{i}]", index, "choice")
        if len(endings) < 2:
            raise RowError(index, f"{len(endings)} ending(s): needs at least 2")
        names = choice_names(len(endings))
        label = row.get("label")
        if isinstance(label, str) and label.strip().isdecimal():
            label = int(label)
        answer = _answer_from(label, names, [], "label", index)
        metadata: dict[str, str] = {}
        activity = row.get("activity_label")
        if activity is not None and not isinstance(activity, str):
            raise RowError(index, f"column 'activity_label' is {_type_name(activity)}")
        if activity:
            metadata["category"] = activity
        segments: dict[str, tuple[Loc, ...]] = {"context": (("ctx",),)}
        segments.update({name: (("endings", i),) for i, name in enumerate(names)})
        return Layout(segments, answer, metadata, _id_key(row, "ind", index), "hs")

    def to_row(self, item: Item, segments: Mapping[str, str]) -> dict[str, Any]:
        out = super().to_row(item, segments)
        row = item.row
        ctx, ctx_a, ctx_b = row.get("ctx"), row.get("ctx_a"), row.get("ctx_b")
        new = segments["context"]
        if new == ctx or not isinstance(ctx_a, str) or not isinstance(ctx_b, str):
            return out
        if ctx == (f"{ctx_a} {ctx_b}" if ctx_b else ctx_a):
            if ctx_b and new.endswith(" " + ctx_b):
                out["ctx_a"] = new[: -len(ctx_b) - 1]
            else:
                out["ctx_a"], out["ctx_b"] = new, ""
        return out


class TruthfulQAAdapter(Adapter):
    """TruthfulQA multiple choice: one item over the union of mc1 and mc2 choices."""

    kind = "truthfulqa"

    @staticmethod
    def _targets(row: Mapping[str, Any], which: str, index: int) -> tuple[Loc, list, list]:
        flat = f"{which}_targets_choices"
        if flat in row:
            choices = _list(row[flat], flat, index)
            labels = _list(
                _column(row, f"{which}_targets_labels", index), f"{which}_targets_labels", index
            )
            base: Loc = (flat,)
        elif isinstance(row.get(f"{which}_targets"), Mapping):
            nested = row[f"{which}_targets"]
            choices = _list(nested.get("choices"), f"{which}_targets.choices", index)
            labels = _list(nested.get("labels"), f"{which}_targets.labels", index)
            base = (f"{which}_targets", "choices")
        else:
            raise RowError(index, f"missing column '{flat}'")
        if len(choices) != len(labels):
            raise RowError(index, f"{which}: {len(choices)} choices but {len(labels)} labels")
        for i, (choice, label) in enumerate(zip(choices, labels, strict=True)):
            _text(choice, f"{loc_name(base)}[{i}]", index, "choice")
            if isinstance(label, bool) or label not in (0, 1) or not isinstance(label, int):
                raise RowError(index, f"{which} label {i} is {label!r}, expected 0 or 1")
        if not choices:
            raise RowError(index, f"{which} has no choices")
        correct = sum(labels)
        if which == "mc1" and correct != 1:
            raise RowError(index, f"mc1 has {correct} correct answers, expected exactly 1")
        if which == "mc2" and not correct:
            raise RowError(index, "mc2 has no correct answer")
        return base, choices, labels

    def layout(self, row: Mapping[str, Any], index: int) -> Layout:
        _text(_column(row, "question", index), "question", index, "question")
        base1, choices1, labels1 = self._targets(row, "mc1", index)
        base2, choices2, labels2 = self._targets(row, "mc2", index)
        texts: list[str] = []
        locs: list[list[Loc]] = []
        mc1_names: list[int] = []
        for base, choices, is_mc1 in ((base1, choices1, True), (base2, choices2, False)):
            seen: dict[str, int] = {}
            for i, text in enumerate(choices):
                k = seen.get(text, 0)
                seen[text] = k + 1
                same = [u for u, t in enumerate(texts) if t == text]
                if k < len(same):
                    u = same[k]
                else:
                    u = len(texts)
                    texts.append(text)
                    locs.append([])
                locs[u].append((*base, i))
                if is_mc1:
                    mc1_names.append(u)
        names = choice_names(len(texts))
        answer = tuple(
            dict.fromkeys(names[mc1_names[i]] for i, lab in enumerate(labels1) if lab == 1)
        )
        segments: dict[str, tuple[Loc, ...]] = {"question": (("question",),)}
        segments.update({name: tuple(loc) for name, loc in zip(names, locs, strict=True)})
        shape = (tuple(labels1), tuple(labels2))
        return Layout(segments, answer, {}, None, "tqa", shape)

    def align_original(self, item: Item, original: Mapping[str, Any], index: int) -> dict[str, str]:
        """English texts read at the *translation's* positions, so names always align.

        The union is the translation's: when the translation rendered one English choice
        two ways in mc1 and mc2, both segments show that English text (a visible hint);
        when it merged two English choices, each segment shows its own.
        """
        self.to_item(original, index, item.benchmark, "")  # RowError if unusable
        out = {"question": original["question"]}
        bases = {}
        for which in ("mc1", "mc2"):
            tbase, tchoices, tlabels = self._targets(item.row, which, item.index)
            obase, ochoices, olabels = self._targets(original, which, index)
            if len(tchoices) != len(ochoices):
                raise Mismatch(
                    f"{which} has {len(tchoices)} choices in the translation but "
                    f"{len(ochoices)} in the original"
                )
            if list(tlabels) != list(olabels):
                raise Mismatch(f"{which} labels differ: translation {tlabels}, original {olabels}")
            bases[tbase] = obase
        lay = self.layout(item.row, item.index)
        for name, locs in lay.segments.items():
            if name == "question":
                continue
            *base, position = locs[0]
            out[name] = get_at(original, (*bases[tuple(base)], position))
        return out

    def profile(self, row: Mapping[str, Any], index: int = 0) -> list[str]:
        """Question, then mc1 and mc2 as stored: same length for equal label lists."""
        _, choices1, _ = self._targets(row, "mc1", index)
        _, choices2, _ = self._targets(row, "mc2", index)
        return [row["question"], *choices1, *choices2]


class GenericAdapter(Adapter):
    """Any multiple-choice table, described by config `columns`."""

    kind = "generic"

    def __init__(self, columns: Mapping[str, Any]) -> None:
        if not columns.get("question") or not columns.get("choices"):
            raise ValueError("generic adapter needs columns.question and columns.choices")
        self.columns = dict(columns)

    def layout(self, row: Mapping[str, Any], index: int) -> Layout:
        cols = self.columns
        segments: dict[str, tuple[Loc, ...]] = {}
        q = cols["question"]
        _text(_column(row, q, index), q, index, "question")
        segments["question"] = ((q,),)
        if cols.get("context"):
            c = cols["context"]
            _text(_column(row, c, index), c, index, "context")
            segments["context"] = ((c,),)
        choices = cols["choices"]
        if isinstance(choices, str):
            values = _list(_column(row, choices, index), choices, index)
            locs: list[Loc] = [(choices, i) for i in range(len(values))]
            for loc in locs:
                _text(get_at(row, loc), loc_name(loc), index, "choice")
            if len(locs) < 2:
                raise RowError(index, f"{len(locs)} choice(s): needs at least 2")
        else:
            locs = _choice_locs(row, [(c,) for c in choices], index)
        names = choice_names(len(locs))
        segments.update({name: (loc,) for name, loc in zip(names, locs, strict=True)})
        answer: tuple[str, ...] = ()
        if cols.get("answer"):
            a = cols["answer"]
            texts = [get_at(row, loc) for loc in locs]
            answer = _answer_from(_column(row, a, index), names, texts, a, index)
        key = _id_key(row, cols["id"], index) if cols.get("id") else None
        return Layout(segments, answer, {}, key)


def get_adapter(kind: str, columns: Mapping[str, Any] | Any | None = None) -> Adapter:
    """The adapter for a config `adapter:` value (`columns` only for generic)."""
    if kind in ("arc", "mmlu"):
        return MultipleChoiceAdapter(kind)
    if kind == "hellaswag":
        return HellaSwagAdapter()
    if kind == "truthfulqa":
        return TruthfulQAAdapter()
    if kind == "generic":
        if columns is None:
            raise ValueError("the generic adapter needs columns")
        if hasattr(columns, "model_dump"):
            columns = columns.model_dump()
        return GenericAdapter(columns)
    raise ValueError(f"unknown adapter '{kind}'")
