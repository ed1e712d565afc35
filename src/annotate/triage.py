"""Triage before people: offline checks that point volunteers at the likely errors first.

ESA-AI (arXiv 2406.12419) found that spans pre-filled by a machine halve the time per
span, and that skipping items a system judged fine saves about a quarter of the budget.
No quality-estimation model ships inside a package we may install, so these are cheap,
explainable checks, each run per item with nothing downloaded at run time:

- `language`: the segment's prose is identified (py3langid, BSD-3, its model inside the
  wheel) as another language than the campaign's. The guess is restricted to the
  campaign's language, the source language and its close neighbours (es/ca/gl/pt/...),
  so a Spanish segment is never "Asturian" and Catalan left in Spanish is still caught.
  Code lines and segments of under 4 words are not judged (too short to tell).
- `untranslated`: the segment is the English original as it stands (needs originals).
- `numbers`: numbers, URLs or e-mail addresses that differ from the original, and unit
  symbols swapped for others (needs originals; "3.5" and "3,5", "1,000" and "1.000" are
  the same number; a lost or added integer up to 12 is minor: often spelled out).
- `length_ratio`: translated/original length far from what is usual in the benchmark:
  a robust z-score (median and MAD of log length ratios, per benchmark, the MAD floored
  at 0.1; Iglewicz and Hoaglin's 3.5) (needs originals).
- `choices`: an empty segment, or two choices that read the same.
- `giveaway`: the correct option alone is much longer than the others (where the English
  was not), or alone agrees in gender with the article that ends the question ("... la
  conservación del" + "número leptónico" among "carga", "masa"): "Recovered in
  Translation" (arXiv 2602.22207) reports that grammatical gender can give the correct
  option away after translation.

Each finding names its check, the segment, where in it (`start`/`end`, or None for the
whole segment), a severity hint (`minor`/`major`, as ESA's labels) and a message. Checks
that need the English are skipped for items without an original: they are not errors.

Score of an item (`triage_score`): 1 - prod(1 - w) over its findings, with w = 0.5 for a
major finding and 0.2 for a minor one. It is 0 with no finding, grows with every finding,
never reaches 1 (rounded to 6 decimals, at most 0.999999), and does not depend on their
order: one major 0.5, two majors 0.75, one minor 0.2, a major and a minor 0.6.

`measure` compares each check with the volunteers' verdicts (positive: an item resolved
`corrected` or `unusable`), so organizers know which checks to trust.

Pure functions; the language model is loaded once, on first use (about 1.5 s).
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotate.model import Item

CHECKS: tuple[str, ...] = (
    "language",
    "untranslated",
    "numbers",
    "length_ratio",
    "choices",
    "giveaway",
)
# Checks that compare with the English original: skipped for items without one.
NEEDS_ORIGINAL: frozenset[str] = frozenset({"untranslated", "numbers", "length_ratio"})
SEVERITY_WEIGHT: dict[str, float] = {"minor": 0.2, "major": 0.5}
SCORE_CAP = 0.999999
# Human verdicts that make an item a positive for `measure`.
POSITIVE_STATUSES: frozenset[str] = frozenset({"corrected", "unusable"})
NEGATIVE_STATUSES: frozenset[str] = frozenset({"validated"})
NOT_CHOICES: frozenset[str] = frozenset({"question", "context"})

# Language identification: languages a translation is commonly confused with.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "es": ("ca", "gl", "pt", "it", "fr"),
    "ca": ("es", "oc", "fr", "it"),
    "gl": ("pt", "es"),
    "pt": ("gl", "es"),
    "eu": ("es", "fr"),
    "it": ("es", "fr", "ca"),
    "fr": ("ca", "es", "it", "oc"),
    "oc": ("ca", "fr", "es"),
}
LANG_MIN_WORDS = 4
LANG_MIN_LETTERS = 20
LANG_CONFIDENCE = 0.9
# Length ratio: modified z-score threshold (Iglewicz & Hoaglin), minimum original length
# for a ratio to mean anything, pairs needed for a benchmark's statistics, MAD floor.
LENGTH_Z = 3.5
LENGTH_MIN_CHARS = 20
LENGTH_MIN_PAIRS = 20
LENGTH_MAD_FLOOR = 0.1  # ratios of short segments are never steadier than ±10%
# Giveaway by length: the correct option this many times longer than the longest other.
GIVEAWAY_LENGTH = 1.5
GIVEAWAY_MIN_EXTRA = 10


@dataclass(frozen=True)
class Finding:
    """One suspicion about one segment: `start`/`end` None means the whole segment;
    `omission` says something is missing from it (ESA marks that on `[MISSING]`)."""

    check: str
    segment: str
    start: int | None
    end: int | None
    severity: str
    message: str
    omission: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "segment": self.segment,
            "start": self.start,
            "end": self.end,
            "severity": self.severity,
            "message": self.message,
            "omission": self.omission,
        }


def triage_score(findings: Iterable[Finding]) -> float:
    """1 - prod(1 - w) over the findings (w: 0.5 major, 0.2 minor); 0.0 for none."""
    keep = 1.0
    for f in findings:
        keep *= 1.0 - SEVERITY_WEIGHT.get(f.severity, SEVERITY_WEIGHT["minor"])
    # rounded for stable metadata; capped so that 20 majors still read as below 1
    return min(round(1.0 - keep, 6), SCORE_CAP)


# --- text helpers -------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")
_CODE_LINE = re.compile(
    r"^(?:[ \t]{2,}|\t)"  # indented
    r"|[{};]\s*$"  # ends like a statement or block
    r"|^\s*(?:def|class|return|import|from|for|while|if|elif|else|print|int|void|public|"
    r"private|static|#include|function|var|let|const|SELECT|struct)\b[^\n]*[(:={;]"
    r"|[=!<>]=|\s=\s|->|\w\([^\n]*\)"
)


def prose(text: str) -> str:
    """The text without its code or formula lines (MMLU's programs are not language)."""
    return "\n".join(line for line in text.split("\n") if not _CODE_LINE.search(line))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _fold(text: str) -> str:
    """Compare texts as a reader would: NFKC, spacing, a final full stop, the case of the
    first letter. Other capitals count: "CC o Cc" and "Cc o cc" are different alleles."""
    folded = " ".join(unicodedata.normalize("NFKC", text).split()).rstrip(" .。")
    return folded[:1].casefold() + folded[1:]


def choices_of(item: Item) -> list[str]:
    return [name for name in item.segments if name not in NOT_CHOICES]


# --- language ----------------------------------------------------------------------


def base_code(lang: str) -> str:
    """'es-MX' -> 'es'."""
    return lang.replace("_", "-").split("-", 1)[0].lower()


def candidate_languages(language: str, source_language: str = "en") -> tuple[str, ...]:
    """What a segment may be identified as: the campaign's language, the source's, the
    campaign language's close neighbours, and py3langid's `zxx` (no linguistic content)."""
    lang, src = base_code(language), base_code(source_language)
    out = [lang, src, *NEIGHBOURS.get(lang, ()), "zxx"]
    return tuple(dict.fromkeys(out))


class LanguageGuesser:
    """py3langid restricted to a set of languages; loaded once (its model is in the wheel).

    The model is shared by every instance and restricted in place, so calls from two
    threads at once with different language sets would mix them: annotate calls it from
    one thread (push, resolve, report)."""

    _identifier: Any = None
    _labels: frozenset[str] = frozenset()
    _restricted: tuple[str, ...] | None = None  # what the shared identifier is set to

    def __init__(self, languages: Sequence[str]) -> None:
        self._load()
        self.languages = tuple(lang for lang in languages if lang in self._labels)

    @classmethod
    def _load(cls) -> Any:
        if cls._identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            cls._labels = frozenset(ident.labels)
            cls._identifier = ident
        return cls._identifier

    def __call__(self, text: str) -> tuple[str, float]:
        ident = self._load()
        if LanguageGuesser._restricted != self.languages:  # slicing the model costs ~20 ms
            ident.set_languages(list(self.languages))
            LanguageGuesser._restricted = self.languages
        lang, prob = ident.classify(text)
        return str(lang), float(prob)


def check_language(
    item: Item,
    guess: Callable[[str], tuple[str, float]],
    *,
    language: str,
    source_language: str = "en",
) -> list[Finding]:
    lang, src = base_code(language), base_code(source_language)
    out = []
    for name, text in item.segments.items():
        body = prose(text)
        found = words(body)
        if len(found) < LANG_MIN_WORDS or sum(map(len, found)) < LANG_MIN_LETTERS:
            continue
        got, prob = guess(body)
        if got in (lang, "zxx") or prob < LANG_CONFIDENCE:
            continue
        severity = "major" if got == src else "minor"
        what = "left in the source language" if got == src else "another language"
        out.append(
            Finding(
                "language",
                name,
                None,
                None,
                severity,
                f"reads as {got!r}, not {lang!r} ({prob:.2f}): {what}",
            )
        )
    return out


# --- comparisons with the original -------------------------------------------------------


def check_untranslated(item: Item) -> list[Finding]:
    """Segments identical to the English (names, numbers, code and formulas excepted)."""
    if item.original is None:
        return []
    out = []
    for name, text in item.segments.items():
        orig = item.original.get(name)
        if not orig or not text.strip() or _fold(text) != _fold(orig):
            continue
        common = [w for w in words(prose(text)) if w.islower() and len(w) >= 3]
        if not common:
            continue  # proper names, acronyms, numbers or code: the same in any language
        severity = "major" if len(words(prose(text))) >= 3 else "minor"
        out.append(Finding("untranslated", name, None, None, severity, "identical to the original"))
    return out


_NUMBER = re.compile(r"(?<![\d.,])\d+(?:[.,\u00a0\u202f]\d+|\s\d{3}(?!\d))*")
_UNIT_SYMBOL = re.compile(r"[%‰°$€£¥]")
_UNIT_ABBR = re.compile(
    r"(?<=\d)\s?(km|kg|mg|µg|cm|mm|nm|ml|mL|mi|mph|km/h|ft|yd|lb|lbs|oz|gal|kWh|kW|MW|"
    r"GHz|MHz|Hz|kJ|J|cal|kcal|mol|atm|Pa|kPa|°C|°F|K)\b"
)
_LINK = re.compile(r"(?:https?://|www\.)[^\s<>()\"']+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _number_key(token: str) -> str:
    """Digits only, no leading zeros: the same number whatever the separators."""
    digits = re.sub(r"\D", "", token)
    return digits.lstrip("0") or "0"


def _links(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().rstrip(".,;:!?"), m.start(), m.end()) for m in _LINK.finditer(text)]


def _numbers(text: str) -> list[tuple[str, int, int]]:
    # numbers inside links are the link's business
    spans = [(s, e) for _, s, e in _links(text)]
    return [
        (_number_key(m.group()), m.start(), m.end())
        for m in _NUMBER.finditer(text)
        if not any(s <= m.start() < e for s, e in spans)
    ]


def _units(text: str) -> list[tuple[str, int, int]]:
    found = [(m.group(), m.start(), m.end()) for m in _UNIT_SYMBOL.finditer(text)]
    found += [(m.group(1), m.start(1), m.end(1)) for m in _UNIT_ABBR.finditer(text)]
    return found


def _number_severity(kind: str, key: str, severity: str) -> str:
    """Integers up to 12 are often written out ("dos semanas"): minor, not major."""
    return "minor" if kind == "number" and key.isdigit() and int(key) <= 12 else severity


def check_numbers(item: Item) -> list[Finding]:
    """Numbers, units and links of the original that the translation lost or changed."""
    if item.original is None:
        return []
    out: list[Finding] = []
    kinds = (
        ("number", _numbers, "major"),
        ("unit", _units, "minor"),
        ("link", _links, "major"),
    )
    for name, text in item.segments.items():
        orig = item.original.get(name)
        if orig is None:
            continue
        for kind, extract, severity in kinds:
            mine, theirs = extract(text), extract(orig)
            have, want = Counter(k for k, _, _ in mine), Counter(k for k, _, _ in theirs)
            extra, missing = have - want, want - have
            if kind == "unit" and not (extra and missing):
                continue  # spelled out on one side ("5 %" / "5 por ciento"): not a change
            for key, start, end in theirs:
                if missing[key] > 0:
                    missing[key] -= 1
                    shown = orig[start:end]
                    out.append(
                        Finding(
                            "numbers",
                            name,
                            None,
                            None,
                            _number_severity(kind, key, severity),
                            f"the original's {kind} {shown!r} is not in the translation",
                            omission=True,
                        )
                    )
            for key, start, end in mine:
                if extra[key] > 0:
                    extra[key] -= 1
                    out.append(
                        Finding(
                            "numbers",
                            name,
                            start,
                            end,
                            _number_severity(kind, key, severity),
                            f"{kind} {text[start:end]!r} is not in the original",
                        )
                    )
    return out


@dataclass(frozen=True)
class LengthStats:
    """Median and MAD of log(translated/original length) over a benchmark's segments."""

    median: float
    mad: float
    pairs: int


def _log_ratio(text: str, orig: str) -> float | None:
    if len(orig.strip()) < LENGTH_MIN_CHARS:
        return None
    return math.log((len(text.strip()) + 1) / (len(orig.strip()) + 1))


def length_stats(items: Iterable[Item]) -> LengthStats | None:
    """The benchmark's usual length ratio; None when fewer than 20 segments compare."""
    ratios = [
        r
        for item in items
        if item.original is not None
        for name, text in item.segments.items()
        if (r := _log_ratio(text, item.original.get(name) or "")) is not None
    ]
    if len(ratios) < LENGTH_MIN_PAIRS:
        return None
    med = statistics.median(ratios)
    mad = statistics.median(abs(r - med) for r in ratios)
    return LengthStats(med, max(mad, LENGTH_MAD_FLOOR), len(ratios))


def check_length(item: Item, stats: LengthStats | None) -> list[Finding]:
    """Segments far longer or shorter than the benchmark's usual ratio to the English."""
    if item.original is None or stats is None:
        return []
    out = []
    for name, text in item.segments.items():
        r = _log_ratio(text, item.original.get(name) or "")
        if r is None:
            continue
        z = 0.6745 * (r - stats.median) / stats.mad
        if abs(z) <= LENGTH_Z:
            continue
        factor = math.exp(r - stats.median)
        severity = "major" if factor < 0.5 else "minor"  # half the text gone: an omission
        side = f"{factor:.1f}x longer" if z > 0 else f"{1 / factor:.1f}x shorter"
        out.append(
            Finding(
                "length_ratio",
                name,
                None,
                None,
                severity,
                f"{side} than usual for this benchmark next to its original (z={z:.1f})",
            )
        )
    return out


# --- the choices ----------------------------------------------------------------------


def check_choices(item: Item) -> list[Finding]:
    """Empty segments, and choices that read the same as an earlier one."""
    out = []
    for name, text in item.segments.items():
        if not text.strip():
            out.append(Finding("choices", name, None, None, "major", "empty", omission=True))
    lists = _choice_lists(item)
    seen: dict[str, list[str]] = {}
    for name in choices_of(item):
        text = item.segments[name]
        key = _fold(text)
        if not key:
            continue
        together = [n for n in seen.get(key, []) if lists is None or lists[n] & lists[name]]
        seen.setdefault(key, []).append(name)
        if together:
            first = together[0]
            orig = item.original or {}
            same_in_source = (
                first in orig and name in orig and _fold(orig[first]) == _fold(orig[name])
            )
            severity = "minor" if same_in_source else "major"
            why = " (so are the originals)" if same_in_source else ""
            out.append(
                Finding("choices", name, None, None, severity, f"same as choice {first}{why}")
            )
    return out


def _choice_lists(item: Item) -> dict[str, set] | None:
    """TruthfulQA: segment -> the answer lists (mc1, mc2) it is in; None for benchmarks
    with one list. Two choices that read the same matter only within one list: mc1 and
    mc2 often hold the same answer twice, once with a full stop."""
    row = item.row
    if not isinstance(row, dict) or not (
        "mc1_targets_choices" in row or isinstance(row.get("mc1_targets"), dict)
    ):
        return None
    from annotate.adapters import RowError, get_adapter

    try:
        layout = get_adapter("truthfulqa").layout(row, item.index)
    except (RowError, KeyError, TypeError, IndexError):
        return None
    return {name: {tuple(loc[:-1]) for loc in locs} for name, locs in layout.segments.items()}


_ARTICLES: dict[str, dict[str, str]] = {
    "es": {
        "el": "m",
        "los": "m",
        "un": "m",
        "unos": "m",
        "la": "f",
        "las": "f",
        "una": "f",
        "unas": "f",
    },
    "pt": {
        "o": "m",
        "os": "m",
        "um": "m",
        "uns": "m",
        "a": "f",
        "as": "f",
        "uma": "f",
        "umas": "f",
    },
    "gl": {
        "o": "m",
        "os": "m",
        "un": "m",
        "uns": "m",
        "a": "f",
        "as": "f",
        "unha": "f",
        "unhas": "f",
    },
    "ca": {
        "el": "m",
        "els": "m",
        "un": "m",
        "uns": "m",
        "la": "f",
        "les": "f",
        "una": "f",
        "unes": "f",
    },
    "it": {
        "il": "m",
        "lo": "m",
        "gli": "m",
        "un": "m",
        "uno": "m",
        "i": "m",
        "la": "f",
        "le": "f",
        "una": "f",
    },
}
GIVEAWAY_MAX_WORDS = 3


def _gender(text: str, lang: str) -> tuple[str, int, int] | None:
    """(gender, start, end of the word that tells) for a short noun phrase, else None.

    An article says it; otherwise the head noun, the first word in these languages
    ("tormentas de polvo"), by its ending: -a/-as feminine, -o/-os masculine (Catalan
    feminine plurals end in -es). Endings that mislead are unknown: -ma (el problema),
    -ão/-ões (o pão, a nação), and words under 4 letters (el gas, el día)."""
    found = list(_WORD.finditer(text))
    if not found or len(found) > GIVEAWAY_MAX_WORDS:
        return None
    first = found[0]
    article = _ARTICLES.get(lang, {}).get(first.group().lower())
    if article and len(found) > 1:
        return article, first.start(), first.end()
    word = first.group().lower()
    if len(word) < 4 or word.endswith(("ma", "mas", "ão", "ões")):
        return None
    if word.endswith(("a", "as")) or (lang == "ca" and word.endswith("es")):
        return "f", first.start(), first.end()
    if word.endswith(("o", "os")):
        return "m", first.start(), first.end()
    return None


# Determiners and contractions that end a stem the options complete, and the gender the
# option after them must have ("... por la ley de conservación del" -> masculine).
_STEM_ENDS: dict[str, dict[str, str]] = {
    "es": dict.fromkeys(("el", "los", "un", "unos", "del", "al"), "m")
    | dict.fromkeys(("la", "las", "una", "unas"), "f"),
    "pt": dict.fromkeys(
        ("o", "os", "um", "uns", "do", "dos", "no", "nos", "ao", "aos", "pelo", "pelos"), "m"
    )
    | dict.fromkeys(
        ("a", "as", "uma", "umas", "da", "das", "na", "nas", "à", "às", "pela", "pelas"), "f"
    ),
    "gl": dict.fromkeys(("o", "os", "un", "uns", "do", "dos", "no", "nos", "ao", "aos"), "m")
    | dict.fromkeys(("a", "as", "unha", "unhas", "da", "das", "na", "nas", "á", "ás"), "f"),
    "ca": dict.fromkeys(("el", "els", "un", "uns", "del", "dels", "al", "als", "pel"), "m")
    | dict.fromkeys(("la", "les", "una", "unes"), "f"),
    "it": dict.fromkeys(("il", "lo", "gli", "un", "uno", "del", "dello", "al", "nel"), "m")
    | dict.fromkeys(("la", "le", "una", "della", "delle", "alla", "nella"), "f"),
}


def _stem_gender(item: Item, lang: str) -> str | None:
    """The gender the question's last word asks of the option that completes it: only
    then does an option's gender tell (the stem "... conservação do" wants a masculine
    option); None when the question ends otherwise ("?", a full stop, "de")."""
    stem = item.segments.get("question", "").rstrip(" _…")
    found = _WORD.findall(stem[-20:])
    if not stem or not found or not stem[-1].isalpha():
        return None
    return _STEM_ENDS.get(lang, {}).get(found[-1].lower())


def check_giveaway(item: Item, *, language: str) -> list[Finding]:
    """The correct option alone differs in form from the others: alone in the grammatical
    gender the question's last word asks for (it ends in an article the options complete),
    or much longer. Length only
    with an original that was not already so: the English correct answer is often the
    longest (TruthfulQA's best answers), and that is the benchmark's doing."""
    if len(item.answer) != 1 or item.answer[0] not in item.segments:
        return []
    from annotate.records import true_choices

    correct = item.answer[0]
    also_true = set(true_choices(item))
    others = [n for n in choices_of(item) if n != correct and n not in also_true]
    if len(others) < 2:
        return []
    out = []
    text = item.segments[correct]
    longest = max(len(item.segments[n].strip()) for n in others)
    size = len(text.strip())
    orig = item.original or {}
    if (
        size > GIVEAWAY_LENGTH * longest
        and size - longest >= GIVEAWAY_MIN_EXTRA
        and all(n in orig for n in (correct, *others))
    ):
        o_longest = max(len(orig[n].strip()) for n in others)
        if len(orig[correct].strip()) <= GIVEAWAY_LENGTH * o_longest:
            out.append(
                Finding(
                    "giveaway",
                    correct,
                    None,
                    None,
                    "minor",
                    f"the correct option is {size / max(longest, 1):.1f}x longer than any other",
                )
            )
    lang = base_code(language)
    wanted = _stem_gender(item, lang) if lang in _ARTICLES else None
    if wanted is not None:
        mine = _gender(text, lang)
        theirs = [g for n in others if (g := _gender(item.segments[n], lang)) is not None]
        if mine and mine[0] == wanted and len(theirs) >= 2 and all(g[0] != wanted for g in theirs):
            gender = "feminine" if mine[0] == "f" else "masculine"
            out.append(
                Finding(
                    "giveaway",
                    correct,
                    mine[1],
                    mine[2],
                    "minor",
                    f"only the correct option is {gender}, as the question's last word "
                    "asks: its form gives it away",
                )
            )
    return out


# --- running and measuring ---------------------------------------------------------------


def triage_items(
    items: Sequence[Item],
    *,
    language: str,
    source_language: str = "en",
    checks: Iterable[str] = CHECKS,
    guess: Callable[[str], tuple[str, float]] | None = None,
) -> dict[str, list[Finding]]:
    """record id -> findings, for every item (an empty list when nothing was found).

    Length statistics are per benchmark, so pass a whole benchmark (or several)."""
    wanted = set(checks)
    unknown = wanted - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown triage checks: {sorted(unknown)}")
    if "language" in wanted and guess is None:
        guesser = LanguageGuesser(candidate_languages(language, source_language))
        # a language the model does not know cannot be told from the others: no check
        guess = guesser if base_code(language) in guesser.languages else None
    stats: dict[str, LengthStats | None] = {}
    if "length_ratio" in wanted:
        by_bench: dict[str, list[Item]] = {}
        for item in items:
            by_bench.setdefault(item.benchmark, []).append(item)
        stats = {name: length_stats(group) for name, group in by_bench.items()}
    out: dict[str, list[Finding]] = {}
    for item in items:
        found: list[Finding] = []
        if "language" in wanted and guess is not None:
            found += check_language(item, guess, language=language, source_language=source_language)
        if "untranslated" in wanted:
            found += check_untranslated(item)
        if "numbers" in wanted:
            found += check_numbers(item)
        if "length_ratio" in wanted:
            found += check_length(item, stats.get(item.benchmark))
        if "choices" in wanted:
            found += check_choices(item)
        if "giveaway" in wanted:
            found += check_giveaway(item, language=language)
        out[item.record_id] = found
    return out


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def measure(
    findings: Mapping[str, Sequence[Finding]],
    statuses: Mapping[str, str],
    checks: Iterable[str] = CHECKS,
) -> list[dict[str, Any]]:
    """Precision and recall of each check (and of `any` check) against the verdicts.

    Only items people settled count: positive when resolved `corrected` or `unusable`,
    negative when `validated`; `needs_review` and `unannotated` items are left out.
    A check flags an item when it has at least one finding on it. Precision is None when
    the check flagged nothing, recall None when no item was positive.
    """
    judged = {
        rid: status in POSITIVE_STATUSES
        for rid, status in statuses.items()
        if status in POSITIVE_STATUSES or status in NEGATIVE_STATUSES
    }
    rows = []
    for check in [*checks, "any"]:
        tp = fp = fn = tn = 0
        for rid, positive in judged.items():
            found = findings.get(rid, ())
            flagged = any(f.check == check for f in found) if check != "any" else bool(found)
            if flagged and positive:
                tp += 1
            elif flagged:
                fp += 1
            elif positive:
                fn += 1
            else:
                tn += 1
        rows.append(
            {
                "check": check,
                "items": tp + fp + fn + tn,
                "flagged": tp + fp,
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "tn": tn,
                "precision": _ratio(tp, tp + fp),
                "recall": _ratio(tp, tp + fn),
            }
        )
    return rows


# --- what push writes -------------------------------------------------------------------

SCORE_KEY = "triage_score"
# The contract with the embedded server's queue: served by this, descending, first.
PRIORITY_KEY = "annotate_priority"
AGENT = "annotate-triage"


def metadata_names(settings: Any) -> tuple[str, ...]:
    """The float metadata properties a campaign's datasets get (config `triage:`)."""
    if not settings.enabled:
        return ()
    return (SCORE_KEY, PRIORITY_KEY) if settings.prioritize else (SCORE_KEY,)


def record_metadata(findings: Sequence[Finding], settings: Any) -> dict[str, float]:
    """The metadata a record carries: its score, and its queue priority when asked.

    Kept out of the content hash (records.record_payload's `content_hash` covers what
    the annotator reads), so turning triage on never sends an answered record back."""
    score = triage_score(findings)
    return {name: score for name in metadata_names(settings)}


# ESA span labels with error categories on (`<category>:<severity>`): what each check's
# findings are an instance of.
SPAN_CATEGORY: dict[str, str] = {
    "language": "untranslated",
    "untranslated": "untranslated",
    "numbers": "mistranslation",
    "length_ratio": "omission_addition",
    "choices": "mistranslation",
    "giveaway": "answer_changed",
}


def span_suggestion(
    item: Item, findings: Sequence[Finding], *, lang: str, error_categories: bool
) -> dict[str, Any] | None:
    """Findings as an ESA span suggestion (annotate.esa's layout), or None without any.

    A finding on part of a segment marks that part, one on a whole segment marks all of
    its text, an omission (an empty segment, a number the translation lost) marks the
    segment's `[MISSING]` sentinel. The span question allows no overlap, so when two
    findings overlap the major one is kept (then the shorter, then the first). Each
    span's score is what it adds to the triage score (0.5 major, 0.2 minor)."""
    from annotate import esa

    lay = esa.item_layout(item, lang)
    spans: list[tuple[int, int, str, float]] = []
    for f in findings:
        text = item.segments.get(f.segment)
        if text is None:
            continue
        if f.omission or not text:
            start, end = esa.missing_offsets(lay, f.segment)
        elif f.start is None or f.end is None:
            start, end = esa.field_offsets(lay, f.segment, 0, len(text))
        else:
            start, end = esa.field_offsets(lay, f.segment, f.start, f.end)
        severity = f.severity if f.severity in esa.SEVERITIES else esa.MAJOR
        label = f"{SPAN_CATEGORY[f.check]}:{severity}" if error_categories else severity
        spans.append((start, end, label, SEVERITY_WEIGHT[severity]))
    kept: list[tuple[int, int, str, float]] = []
    for span in sorted(spans, key=lambda x: (-x[3], x[1] - x[0], x[0])):
        if all(span[1] <= k[0] or span[0] >= k[1] for k in kept):
            kept.append(span)
    if not kept:
        return None
    kept.sort()
    return {
        "value": [{"start": s, "end": e, "label": label} for s, e, label, _ in kept],
        "score": [w for *_, w in kept],
        "agent": AGENT,
    }


def metadata_differs(have: Mapping[str, Any], want: Mapping[str, float]) -> bool:
    """Whether a record's stored triage metadata is not what this push would write."""
    for name, value in want.items():
        got = have.get(name)
        if not isinstance(got, int | float) or abs(float(got) - value) > 1e-9:
            return True
    return False


def campaign_findings(cfg: Any, items: Sequence[Item]) -> dict[str, list[Finding]]:
    """The campaign's configured checks over one benchmark's items."""
    return triage_items(
        items,
        language=cfg.language,
        source_language=cfg.source_language,
        checks=cfg.triage.checks,
    )


# --- what resolve reports ---------------------------------------------------------------


def evaluate(cfg: Any, loads: Mapping[str, Any], items: Any) -> dict[str, Any]:
    """Precision and recall of the configured checks against the resolved verdicts,
    overall and per benchmark (`items`: resolve's table, `record_id` and `status`).

    The checks run again on the items as the config builds them now, so the figures
    describe the current checks on the current text."""
    statuses = dict(zip(items["record_id"].astype(str), items["status"].astype(str), strict=True))
    checks = list(cfg.triage.checks)
    findings: dict[str, list[Finding]] = {}
    benchmarks = {}
    for name, load in loads.items():
        found = campaign_findings(cfg, load.items)
        findings.update(found)
        mine = {rid: statuses[rid] for rid in found if rid in statuses}
        benchmarks[name] = measure(found, mine, checks)
    return {
        "positive": sorted(POSITIVE_STATUSES),
        "negative": sorted(NEGATIVE_STATUSES),
        "checks": measure(findings, statuses, checks),
        "benchmarks": benchmarks,
    }


MEASURE_COLUMNS: tuple[str, ...] = (
    "check",
    "flagged",
    "tp",
    "fp",
    "fn",
    "tn",
    "precision",
    "recall",
)


def measure_table(rows: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """`measure` rows as table cells: counts, and ratios as percentages ("-" for none)."""

    def cell(value: Any) -> str:
        if value is None:
            return "-"
        return f"{value:.0%}" if isinstance(value, float) else str(value)

    return [[cell(row[c]) for c in MEASURE_COLUMNS] for row in rows]
