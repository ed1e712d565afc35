"""The triage checks on hand-made items, with the numbers worked by hand in each test."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotate import triage
from annotate.adapters import get_adapter
from annotate.model import Item
from annotate.triage import Finding


def item(segments, original=None, answer=("A",), key="k", bench="arc") -> Item:
    return Item(bench, key, 0, dict(segments), {}, original, tuple(answer))


def checks_of(found: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.check, f.segment, f.severity) for f in found]


@pytest.fixture(scope="module")
def guess_es():
    return triage.LanguageGuesser(triage.candidate_languages("es"))


# --- the score ------------------------------------------------------------------------


def f(severity: str, check: str = "numbers") -> Finding:
    return Finding(check, "question", None, None, severity, "m")


def test_score_worked_by_hand():
    assert triage.triage_score([]) == 0.0
    assert triage.triage_score([f("major")]) == 0.5  # 1 - 0.5
    assert triage.triage_score([f("minor")]) == 0.2  # 1 - 0.8
    assert triage.triage_score([f("major"), f("minor")]) == 0.6  # 1 - 0.5 * 0.8
    assert triage.triage_score([f("major"), f("major")]) == 0.75  # 1 - 0.5 * 0.5
    assert triage.triage_score([f("major")] * 40) == 0.999999  # 1 - 0.5^40 rounds to 1: capped


@given(st.lists(st.sampled_from(["minor", "major"]), max_size=30), st.randoms())
def test_score_is_bounded_order_free_and_grows(severities, rnd):
    found = [f(s) for s in severities]
    score = triage.triage_score(found)
    assert 0.0 <= score < 1.0
    shuffled = list(found)
    rnd.shuffle(shuffled)
    assert triage.triage_score(shuffled) == score
    assert triage.triage_score([*found, f("minor")]) >= score
    assert triage.triage_score([*found, f("major")]) >= triage.triage_score([*found, f("minor")])


# --- language -------------------------------------------------------------------------


def test_catalan_left_in_a_spanish_item_is_found(guess_es):
    it = item(
        {
            "question": "¿Cuál de las siguientes opciones describe mejor la fotosíntesis?",
            "A": "Les plantes transformen la llum del sol en energia química per viure.",
            "B": "Los animales comen plantas para obtener la energía que necesitan.",
        }
    )
    found = triage.check_language(it, guess_es, language="es")
    assert checks_of(found) == [("language", "A", "minor")]  # a neighbour: minor
    assert found[0].start is None and "'ca'" in found[0].message


def test_spanish_in_a_catalan_campaign_and_english_anywhere():
    guess = triage.LanguageGuesser(triage.candidate_languages("ca"))
    it = item(
        {
            "question": "Quina de les opcions següents descriu millor la fotosíntesi?",
            "A": "Los animales comen plantas para obtener la energía que necesitan.",
            "B": "The plants turn the light of the sun into chemical energy to live.",
        }
    )
    found = triage.check_language(it, guess, language="ca")
    # English is the source language: left untranslated, a major error
    assert checks_of(found) == [("language", "A", "minor"), ("language", "B", "major")]


def test_short_segments_and_code_are_not_judged(guess_es):
    it = item(
        {
            "question": "¿Qué imprime el siguiente programa?\n\nfor i in range(3):\n"
            "    print(i)\n    if i == 2:\n        return total + value",
            "A": "Hello world",  # two words: too short to tell
            "B": "0 1 2",
            "C": "🙂🙂🙂 🙂🙂",
            "D": "",
        }
    )
    assert triage.check_language(it, guess_es, language="es") == []


def test_candidates_keep_close_neighbours_and_regional_codes():
    assert triage.candidate_languages("es-MX") == ("es", "en", "ca", "gl", "pt", "it", "fr", "zxx")
    assert triage.candidate_languages("gl")[:4] == ("gl", "en", "pt", "es")
    assert triage.candidate_languages("xx")[:2] == ("xx", "en")  # unknown: no neighbours
    # languages py3langid does not know are dropped, not an error
    assert "xx" not in triage.LanguageGuesser(triage.candidate_languages("xx")).languages


def test_a_campaign_language_the_model_does_not_know_skips_the_check():
    # Asturian is not among py3langid's languages: every segment would read as something
    # else, so the check is skipped rather than flag the whole campaign
    it = item({"question": "¿Cuál ye la capital d'Asturies? Ye una ciudá mui guapa."})
    assert triage.triage_items([it], language="ast", checks=["language"])[it.record_id] == []
    english = item({"question": "Which of these is the capital of the country of France?"})
    found = triage.triage_items([english], language="es", checks=["language"])
    assert checks_of(found[english.record_id]) == [("language", "question", "major")]


# --- left untranslated -------------------------------------------------------------------


def test_identical_to_the_english_is_untranslated_but_names_are_not():
    original = {
        "question": "Which gas do plants absorb from the air?",
        "A": "carbon dioxide",
        "B": "Albert Einstein",
        "C": "NaCl",
        "D": "It is wrong",
    }
    it = item(
        {
            "question": "Which gas do plants absorb from the air?",  # not translated
            "A": "dióxido de carbono",
            "B": "Albert Einstein",  # a name: the same in any language
            "C": "NaCl",
            "D": "It is wrong.",  # a final full stop is no translation
        },
        original,
    )
    found = triage.check_untranslated(it)
    # question: 8 words -> major; D: 3 words -> major
    assert checks_of(found) == [
        ("untranslated", "question", "major"),
        ("untranslated", "D", "major"),
    ]
    one_word = item({"question": "¿?", "A": "water"}, {"question": "?", "A": "water"})
    assert checks_of(triage.check_untranslated(one_word)) == [("untranslated", "A", "minor")]


MMLU_CODE = "def count(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total"


def test_mmlu_code_kept_as_it_was_is_not_untranslated(guess_es):
    """MMLU's computer-science items hold indented programs that must stay as they are."""
    it = item(
        {
            "question": f"¿Qué devuelve la siguiente función?\n\n{MMLU_CODE}",
            "A": "    return total",
            "B": "print(count([1, 2, 3]))",
            "C": "La suma de la lista",
            "D": "x = x + 1",
        },
        {
            "question": f"What does the following function return?\n\n{MMLU_CODE}",
            "A": "    return total",
            "B": "print(count([1, 2, 3]))",
            "C": "The sum of the list",
            "D": "x = x + 1",
        },
        bench="mmlu",
    )
    found = triage.triage_items([it], language="es", guess=guess_es)[it.record_id]
    assert found == []


# --- numbers, units, links ---------------------------------------------------------------


def test_numbers_in_either_notation_are_the_same():
    it = item(
        {"question": "Un coche recorre 3,5 km en 1.000 segundos, o sea 1 000 s; ¿y en 2?"},
        {"question": "A car travels 3.5 km in 1,000 seconds, that is 1000 s; and in 2?"},
    )
    assert triage.check_numbers(it) == []


def test_a_changed_number_is_found_where_it_is():
    text = "Juan tiene 52 manzanas y come 3."
    it = item({"question": text}, {"question": "John has 25 apples and eats 3."})
    found = triage.check_numbers(it)
    assert [(x.severity, x.start, x.end) for x in found] == [
        ("major", None, None),
        ("major", 11, 13),
    ]
    assert "'25' is not in the translation" in found[0].message
    assert text[found[1].start : found[1].end] == "52"


def test_units_and_links():
    it = item(
        {"question": "Recorre 5 km. Más en http://example.org/es y escribe a a@b.org."},
        {"question": "It runs 5 mi. More at http://example.org/en and write to a@b.org."},
    )
    found = triage.check_numbers(it)
    # unit mi lost, unit km added (minor); the link changed: lost and added (major)
    assert [(x.severity, x.message) for x in found] == [
        ("minor", "the original's unit 'mi' is not in the translation"),
        ("minor", "unit 'km' is not in the original"),
        ("major", "the original's link 'http://example.org/en' is not in the translation"),
        ("major", "link 'http://example.org/es' is not in the original"),
    ]
    text = it.segments["question"]
    assert [text[x.start : x.end] for x in found if x.start is not None] == [
        "km",
        "http://example.org/es",
    ]


def test_checks_that_need_the_english_skip_items_without_one():
    it = item({"question": "Juan tiene 52 manzanas.", "A": "un", "B": "dos", "C": "tres"})
    assert triage.check_numbers(it) == []
    assert triage.check_untranslated(it) == []
    assert triage.check_length(it, triage.LengthStats(0.0, 0.05, 100)) == []


# --- length ratio ---------------------------------------------------------------------


def test_length_outliers_by_median_and_mad():
    # 20 segments 1.1x the original's length (+1): log(55/50) = 0.0953 each
    usual = [item({"question": "x" * 54}, {"question": "o" * 49}, key=str(i)) for i in range(20)]
    longer = item({"question": "x" * 149}, {"question": "o" * 49}, key="long")  # log(150/50)
    shorter = item({"question": "x" * 9}, {"question": "o" * 49}, key="short")  # log(10/50)
    stats = triage.length_stats([*usual, longer, shorter])
    # median of 22 values is 0.0953; every deviation but two is 0 -> MAD 0 -> floor 0.1
    assert stats.pairs == 22
    assert stats.median == pytest.approx(math.log(1.1))
    assert stats.mad == 0.1
    assert triage.check_length(usual[0], stats) == []
    (long_f,) = triage.check_length(longer, stats)
    # z = 0.6745 * (1.0986 - 0.0953) / 0.1 = 6.8; factor e^(1.0033) = 2.7
    assert long_f.severity == "minor" and "2.7x longer" in long_f.message
    assert "z=6.8" in long_f.message
    (short_f,) = triage.check_length(shorter, stats)
    # factor e^(-1.6094 - 0.0953) = 0.18 < 0.5: half the text is gone -> major
    assert short_f.severity == "major" and "5.5x shorter" in short_f.message


def test_too_few_pairs_or_short_originals_give_no_statistics():
    few = [item({"question": "x" * 54}, {"question": "o" * 49}, key=str(i)) for i in range(19)]
    assert triage.length_stats(few) is None
    tiny = [item({"question": "sí"}, {"question": "yes"}, key=str(i)) for i in range(50)]
    assert triage.length_stats(tiny) is None


# --- choices ----------------------------------------------------------------------------


def test_empty_and_duplicated_choices():
    it = item(
        {
            "question": "¿Cuál es la unidad?",
            "A": "velocidad",
            "B": "Velocidad.",
            "C": " ",
            "D": "x",
        },
        {"question": "Which unit?", "A": "speed", "B": "velocity", "C": "mass", "D": "x"},
    )
    found = triage.check_choices(it)
    assert checks_of(found) == [("choices", "C", "major"), ("choices", "B", "major")]
    assert found[1].message == "same as choice A"
    # capitals inside a choice count (alleles), the first letter's does not
    alleles = item({"question": "¿?", "A": "Cc o cc", "B": "CC o Cc", "C": "cc o cc"})
    assert checks_of(triage.check_choices(alleles)) == [("choices", "C", "major")]
    # the same two choices in the English too: the source's doing, minor
    same = item({"question": "?", "A": "sí", "B": "Sí"}, {"question": "?", "A": "yes", "B": "Yes"})
    assert checks_of(triage.check_choices(same)) == [("choices", "B", "minor")]


# --- giveaway ---------------------------------------------------------------------------


def test_correct_option_alone_in_its_gender():
    it = item(
        {
            "question": "El ADN de la célula se guarda en el",
            "A": "la membrana",
            "B": "el núcleo",
            "C": "el citoplasma",
            "D": "el ribosoma",
        },
        answer=("B",),
    )
    # B masculine, A feminine; C and D have an article too: not alone
    assert triage.check_giveaway(it, language="es") == []
    stem = "Según su organización estructural, un huevo es una"  # the options complete it
    segs = {"question": stem, "A": "célula", "B": "tejido", "C": "órgano", "D": "sistema"}
    (found,) = triage.check_giveaway(item(segs), language="es")
    # "una" asks for a feminine option: only A is (B, C masculine; D -ma: unknown)
    assert (found.segment, found.start, found.end) == ("A", 0, 6)
    assert "feminine" in found.message
    assert triage.check_giveaway(item(segs), language="en") == []  # no grammatical gender
    # a question ("?"), a full stop or a neutral "de" asks nothing of the options
    for end in ("¿Qué describe mejor un huevo?", "Un huevo es una.", "Un huevo es parte de"):
        assert triage.check_giveaway(item(dict(segs, question=end)), language="es") == []
    # the masculine the stem asks for, where the correct option is feminine: no cue
    assert triage.check_giveaway(item(dict(segs, question="Un huevo es un")), language="es") == []
    # Okapi's Portuguese college_physics/dev/4: "... pela lei da conservação do"
    physics = {
        "question": "O múon é proibido de decair pela lei da conservação do",
        "A": "carga",
        "B": "massa",
        "C": "energia e momento",
        "D": "número de léptons",
    }
    (found,) = triage.check_giveaway(item(physics, answer=("D",)), language="pt")
    assert (found.segment, found.start, found.end) == ("D", 0, 6)
    # without articles the head noun (the first word) tells; -ção and -ma endings do not
    pt = {
        "question": "As cores de uma bolha de sabão resultam da",  # asks a feminine
        "A": "interferência",
        "B": "deflexão",
        "C": "polarização",
        "D": "difração",
    }
    assert triage.check_giveaway(item(pt, answer=("A",)), language="pt") == []
    heads = {
        "question": "O processo menos provável é o",  # asks a masculine
        "A": "tempestades de poeira",
        "B": "intemperismo",
        "C": "inundações",
        "D": "degelo de geleiras",
    }
    # heads: tempestades (f), intemperismo (m), inundações (unknown), degelo (m): B not alone
    assert triage.check_giveaway(item(heads, answer=("B",)), language="pt") == []


def test_correct_option_much_longer_only_when_the_translation_made_it_so():
    segs = {
        "question": "¿Por qué?",
        "A": "Porque las plantas necesitan luz del sol para fabricar su alimento.",  # 68
        "B": "Por el agua.",
        "C": "Por el suelo.",
        "D": "Por el aire.",
    }
    made = {"question": "Why?", "A": "Sunlight.", "B": "Water.", "C": "Soil.", "D": "Air."}
    (found,) = triage.check_giveaway(item(segs, made), language="es")
    assert found.check == "giveaway" and found.segment == "A"
    assert "5.2x longer" in found.message  # 68 / 13 ("Por el suelo.")
    already = dict(made, A="Because plants need sunlight to make their food.")
    assert triage.check_giveaway(item(segs, already), language="es") == []
    assert triage.check_giveaway(item(segs), language="es") == []  # no English: no judgement


def truthfulqa_item(n_false: int, *, duplicate: bool = False, best2: str = "") -> Item:
    false = [f"Respuesta falsa número {i} sobre el tema." for i in range(n_false)]
    if duplicate:
        false[-1] = false[0].rstrip(".")  # reads the same as B
    row = {
        "question": "¿Qué pasa si te tragas una semilla de sandía?",
        "mc1_targets_choices": ["Nada en particular.", *false],
        "mc1_targets_labels": [1] + [0] * n_false,
        "mc2_targets_choices": [
            best2 or "Nada en particular.",
            "La semilla pasa por el sistema digestivo sin hacer ningún daño a nadie.",
            *false,
        ],
        "mc2_targets_labels": [1, 1] + [0] * n_false,
    }
    return get_adapter("truthfulqa").to_item(row, 0, "truthfulqa", "validation")


def test_truthfulqa_with_many_options(guess_es):
    it = truthfulqa_item(14)
    assert len(triage.choices_of(it)) == 16
    found = triage.triage_items([it], language="es", guess=guess_es)[it.record_id]
    # names: mc1's choices first (A best, B..O false), then mc2's new one (P, true); the
    # long true answer P is another true answer, not a giveaway of the best one
    assert found == []
    dup = truthfulqa_item(14, duplicate=True)
    found = triage.triage_items([dup], language="es", guess=guess_es)[dup.record_id]
    assert checks_of(found) == [("choices", "O", "major")]
    assert found[0].message == "same as choice B"
    # mc2 repeats the best answer without its full stop: two lists, no duplicate in either
    split = truthfulqa_item(3, best2="Nada en particular")
    assert [split.segments[n] for n in ("A", "E")] == ["Nada en particular.", "Nada en particular"]
    assert triage.check_choices(split) == []


# --- attacks ----------------------------------------------------------------------------


def test_empty_emoji_and_huge_segments(guess_es):
    huge = "una opción muy larga " * 20_000  # 420,000 characters
    it = item(
        {"question": "", "A": "🙂", "B": huge, "C": "🙂", "D": "\u200b"},
        {"question": "", "A": "🙂", "B": "a long option " * 20_000, "C": "🙂", "D": "x"},
    )
    found = triage.triage_items([it], language="es", guess=guess_es)[it.record_id]
    got = {(x.check, x.segment) for x in found}
    assert ("choices", "question") in got  # empty question
    assert ("choices", "C") in got  # same as A
    assert all(x.check != "untranslated" for x in found)  # emoji are not English
    assert ("language", "B") not in got


def test_unknown_check_is_refused():
    with pytest.raises(ValueError, match="unknown triage checks"):
        triage.triage_items([], language="es", checks=["spelling"])


# --- measuring the checks against the verdicts ---------------------------------------------


def test_precision_and_recall_worked_by_hand():
    findings = {
        "a": [f("major", "numbers")],  # corrected: numbers TP
        "b": [f("minor", "numbers"), f("minor", "choices")],  # validated: both FP
        "c": [],  # unusable: FN for every check
        "d": [f("major", "choices")],  # corrected: choices TP
        "e": [],  # validated: TN
        "f": [f("major", "numbers")],  # needs_review: left out
    }
    statuses = {
        "a": "corrected",
        "b": "validated",
        "c": "unusable",
        "d": "corrected",
        "e": "validated",
        "f": "needs_review",
        "g": "unannotated",
    }
    rows = {r["check"]: r for r in triage.measure(findings, statuses, ["numbers", "choices"])}
    # numbers: flagged a (pos), b (neg) -> TP 1 FP 1; positives a, c, d -> FN 2; TN e
    assert rows["numbers"] == {
        "check": "numbers",
        "items": 5,
        "flagged": 2,
        "tp": 1,
        "fp": 1,
        "fn": 2,
        "tn": 1,
        "precision": 0.5,
        "recall": 0.3333,
    }
    # choices: flagged b (neg), d (pos) -> precision 1/2, recall 1/3
    assert (rows["choices"]["precision"], rows["choices"]["recall"]) == (0.5, 0.3333)
    # any: flagged a, b, d -> TP 2 FP 1 FN 1 TN 1
    assert (rows["any"]["tp"], rows["any"]["fp"], rows["any"]["fn"], rows["any"]["tn"]) == (
        2,
        1,
        1,
        1,
    )
    assert (rows["any"]["precision"], rows["any"]["recall"]) == (0.6667, 0.6667)


def test_measure_with_nothing_flagged_or_nothing_judged():
    rows = triage.measure({"a": []}, {"a": "validated"}, ["numbers"])
    assert rows[0]["precision"] is None and rows[0]["recall"] is None
    assert triage.measure({}, {}, ["numbers"])[0]["items"] == 0


# --- the config section -------------------------------------------------------------------


BASE = {
    "campaign": "x",
    "language": "es",
    "workspace": "w",
    "guidelines": "g",
    "benchmarks": [
        {"name": "arc", "adapter": "arc", "split": "v", "translation": {"hub": "a/b", "split": "v"}}
    ],
}


def test_config_default_is_off_with_every_check():
    from annotate.config import campaign_from_dict

    cfg = campaign_from_dict(BASE)
    assert (cfg.triage.enabled, cfg.triage.prioritize) == (False, False)
    assert cfg.triage.checks == list(triage.CHECKS)
    on = campaign_from_dict({**BASE, "triage": {"enabled": True, "checks": ["numbers"] * 2}})
    assert on.triage.checks == ["numbers"]


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"enabled": True, "checks": ["spelling"]}, "triage.checks[0]: Input should be"),
        ({"prioritize": True}, "triage: prioritize: true needs enabled: true"),
        ({"enabled": "yes"}, "triage.enabled: Input should be a valid boolean"),
        ({"enable": True}, "triage.enable: unknown key (did you mean 'enabled'?)"),
    ],
)
def test_config_mistakes_are_one_line(section, message):
    from annotate.config import campaign_from_dict
    from annotate.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        campaign_from_dict({**BASE, "triage": section}, file="c.yaml")
    assert str(info.value).startswith(f"c.yaml: {message}")
    assert "\n" not in str(info.value)


def test_disabled_triage_pushes_exactly_what_it_did():
    from annotate import push, records
    from annotate.config import campaign_from_dict

    it = item({"question": "¿Qué?", "A": "velocidad", "B": "velocidad", "C": "masa"})
    off = campaign_from_dict(BASE)
    planned = push._Planned(off.benchmarks[0], None, None, push.PushPlan(), {}, None)
    assert push._payload(off, planned, it) == records.record_payload(it, lang="es")
    spec = push.design_for(off, off.benchmarks[0], [it]).spec()
    assert [m["settings"]["type"] for m in spec["metadata"]] == ["terms", "terms"]

    on = campaign_from_dict({**BASE, "triage": {"enabled": True, "prioritize": True}})
    planned.findings = triage.campaign_findings(on, [it])
    payload = push._payload(on, planned, it)
    plain = records.record_payload(it, lang="es")
    # one major finding (B same as A): 0.5, as score and as queue priority
    assert payload["metadata"] == {
        **plain["metadata"],
        "triage_score": 0.5,
        "annotate_priority": 0.5,
    }
    assert payload["metadata"]["content_hash"] == it.content_hash  # what decides re-queueing
    assert {k: v for k, v in payload.items() if k != "metadata"} == {
        k: v for k, v in plain.items() if k != "metadata"
    }
    floats = [m for m in push.design_for(on, on.benchmarks[0], [it]).spec()["metadata"]][2:]
    assert [(m["name"], m["settings"]["type"], m["visible_for_annotators"]) for m in floats] == [
        ("triage_score", "float", False),
        ("annotate_priority", "float", False),
    ]


def test_metadata_differs():
    want = {"triage_score": 0.5}
    assert triage.metadata_differs({}, want)  # never scored: write it
    assert triage.metadata_differs({"triage_score": 0.2}, want)
    assert triage.metadata_differs({"triage_score": "0.5"}, want)
    assert not triage.metadata_differs({"triage_score": 0.5, "content_hash": "x"}, want)
    assert not triage.metadata_differs({"triage_score": 0.5}, {})  # triage off: nothing


# --- the report section ---------------------------------------------------------------------


def test_report_section_only_in_triage_campaigns():
    import re

    from annotate.report import ReportData, build_report

    statuses = {"a": "corrected", "b": "validated", "c": "unusable", "d": "validated"}
    findings = {"a": [f("major", "numbers")], "b": [f("minor", "numbers")], "c": [], "d": []}
    rows = triage.measure(findings, statuses, ["numbers", "giveaway"])
    data = ReportData(campaign="c", language="es", generated_at="2026-12-01 10:00 UTC")
    assert 'id="triage"' not in build_report(data, lang="es")  # today's page, unchanged
    data.triage = rows
    page = build_report(data, lang="es")
    section = re.search(r'<section class="card" id="triage".*?</section>', page, re.S).group(0)
    assert "Cribado automático" in section and 'href="#triage"' in page
    # numbers: flagged 2 (a, b), TP 1, FP 1, FN 1 (c): precision 50 %, recall 50 %
    row = re.search(r"Números, unidades, enlaces</th>(.*?)</tr>", section, re.S).group(1)
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)
    assert [c.replace("\u00a0", " ") for c in cells] == ["2", "1", "1", "1", "50 %", "50 %"]
    # precision bars for numbers and any (giveaway flagged nothing: no precision), each
    # drawn in the wide and the compact layout
    assert "<svg" in section and section.count('class="s0"') == 4


# --- ESA span suggestions (annotate.esa's layout) -----------------------------------------


def test_findings_become_span_suggestions_over_the_esa_field():
    from annotate import esa

    it = item(
        {"question": "Juan tiene 52 manzanas.", "A": "velocidad", "B": "velocidad", "C": ""},
        {"question": "John has 25 apples.", "A": "speed", "B": "velocity", "C": "mass"},
    )
    found = triage.triage_items([it], language="es", checks=["numbers", "choices"])[it.record_id]
    # numbers: 25 lost (omission), 52 added; choices: C empty (omission), B same as A
    suggestion = triage.span_suggestion(it, found, lang="es", error_categories=False)
    lay = esa.item_layout(it, "es")
    # the field: "[[question]]\n" is 13 code points, so the question's text starts at 13
    # and "52" (at 11 in the segment) sits at 24..26; its [MISSING] follows the text and
    # a space: 13 + 23 + 1 = 37..46
    assert lay.segments["question"] == (13, 36) and lay.missing["question"] == (37, 46)
    spans = suggestion["value"]
    assert spans[:2] == [
        {"start": 24, "end": 26, "label": "major"},
        {"start": 37, "end": 46, "label": "major"},
    ]
    shown = [lay.text[s["start"] : s["end"]] for s in spans]
    assert shown == ["52", "[MISSING]", "velocidad", "[MISSING]"]  # question, question, B, C
    back = [esa.segment_offsets(lay, s["start"], s["end"])[0] for s in spans]
    assert [(b.segment, b.start, b.end, b.missing) for b in back] == [
        ("question", 11, 13, False),
        ("question", 23, 23, True),
        ("B", 0, 9, False),
        ("C", 0, 0, True),
    ]
    assert suggestion["agent"] == "annotate-triage" and suggestion["score"] == [0.5] * 4
    with_categories = triage.span_suggestion(it, found, lang="es", error_categories=True)
    labels = [s["label"] for s in with_categories["value"]]
    assert labels == ["mistranslation:major"] * 4  # numbers and choices: mistranslation
    assert set(labels) <= set(esa.span_labels(True))
    assert triage.span_suggestion(it, [], lang="es", error_categories=False) is None


def test_overlapping_findings_keep_the_major_one():
    it = item({"question": "Juan tiene 52 manzanas y otras cosas más.", "A": "x", "B": "y"})
    whole = Finding("language", "question", None, None, "minor", "m")
    inner = Finding("numbers", "question", 11, 13, "major", "m")
    spans = triage.span_suggestion(it, [whole, inner], lang="es", error_categories=False)
    assert [(s["end"] - s["start"], s["label"]) for s in spans["value"]] == [(2, "major")]
    # every label is one the ESA question offers, whatever the checks said
    from annotate import esa

    for cats in (False, True):
        for f in (whole, inner):
            (span,) = triage.span_suggestion(it, [f], lang="es", error_categories=cats)["value"]
            assert span["label"] in esa.span_labels(cats)


def test_spelled_out_numbers_and_units_are_gentler():
    it = item(
        {"question": "En dos semanas gana el 5 por ciento, 300 euros."},
        {"question": "In 2 weeks it earns 5%, 300 euros."},
    )
    found = triage.check_numbers(it)
    # "2" lost (an integer up to 12: often written out, minor); "%" spelled out: nothing
    assert [(x.severity, x.message) for x in found] == [
        ("minor", "the original's number '2' is not in the translation")
    ]
    it2 = item({"question": "Gana 30 euros."}, {"question": "It earns 300 euros."})
    assert [x.severity for x in triage.check_numbers(it2)] == ["major", "major"]


def test_a_record_triage_no_longer_flags_loses_its_span_suggestion():
    """Dropping a noisy check from `checks` and pushing again must not leave its spans
    pre-filled on records already on the server: an upsert keeps the suggestions it is
    not given, so those records get an empty one; new records get none."""
    from annotate import push
    from annotate.config import campaign_from_dict
    from annotate.esa import SPAN_QUESTION

    it = item({"question": "¿Qué?", "A": "velocidad", "B": "velocidad", "C": "masa"})
    cfg = campaign_from_dict({**BASE, "protocol": "esa", "triage": {"enabled": True}})
    planned = push._Planned(cfg.benchmarks[0], None, None, push.PushPlan(), {}, None)
    planned.findings = triage.campaign_findings(cfg, [it])
    flagged = push._payload(cfg, planned, it, existing=True)["suggestions"][SPAN_QUESTION]
    assert flagged["value"] and flagged["agent"] == triage.AGENT
    planned.findings = {it.record_id: []}  # the choices check dropped
    cleared = push._payload(cfg, planned, it, existing=True)["suggestions"]
    assert cleared[SPAN_QUESTION] == {"value": [], "agent": triage.AGENT}
    assert SPAN_QUESTION not in push._payload(cfg, planned, it)["suggestions"]


def test_gold_items_do_not_move_the_benchmarks_findings():
    """Push judges gold items among the benchmark's, but the benchmark's own findings are
    the ones resolve measures: adding gold items must not change them."""
    from annotate import push
    from annotate.config import campaign_from_dict

    cfg = campaign_from_dict({**BASE, "triage": {"enabled": True, "checks": ["length_ratio"]}})
    # 20 usual items and one 1.8x longer than them: an outlier among them (z=4.0)
    usual = [item({"question": "x" * 54}, {"question": "o" * 49}, key=str(i)) for i in range(20)]
    odd = item({"question": "x" * 99}, {"question": "o" * 49}, key="odd")
    # more gold items than usual ones, all as long as the odd one, would make it usual
    gold = [item({"question": "x" * 99}, {"question": "o" * 49}, key=f"g{i}") for i in range(25)]
    alone = triage.campaign_findings(cfg, [*usual, odd])
    mixed = triage.campaign_findings(cfg, [*usual, odd, *gold])
    assert alone[odd.record_id] and not mixed[odd.record_id]  # the shift is real

    found = push.triage_findings(cfg, [*usual, odd], gold)
    assert {k: found[k] for k in alone} == alone
    assert {g.record_id: found[g.record_id] for g in gold} == {
        g.record_id: mixed[g.record_id] for g in gold
    }
