"""What an annotator sees: an Item rendered as Argilla record fields, in their language.

Pure functions only: push builds Argilla records from `record_payload`, and the same
payload is what tests and dry runs inspect. Field text is Markdown (set
`use_markdown=True` on the text fields): context first, then the question, then lettered
choices with the correct one marked, so the annotator can check that the translation
still supports that answer. TruthfulQA has several true answers (mc2) besides the best
one (mc1): ✅ marks the best, ☑️ the other true ones, and a line says the rest are
false. Texts from the benchmark are escaped, so a `*` or `<` in a question is shown,
not interpreted.

Labels exist for es, ca, eu, gl, pt and en; other languages (and unknown regional
variants, e.g. "es-MX" -> "es") fall back to the base language, then to English.
"""

from __future__ import annotations

import re
from typing import Any

from annotate.model import (
    ERROR_CATEGORIES,
    Q_COMMENT,
    Q_CORRECTION,
    Q_ERRORS,
    Q_VERDICT,
    VERDICTS,
    Item,
    format_correction,
)

CORRECT_MARK = "✅"
# TruthfulQA: mc1 has one best answer (CORRECT_MARK), mc2 several true ones (this mark).
TRUE_MARK = "☑️"

_UI: dict[str, dict[str, str]] = {
    "en": {
        "question": "Question",
        "context": "Context",
        "choices": "Choices",
        "correct": "correct answer",
        "subject": "Subject",
        "category": "Category",
        "original": "Original",
        "translation": "Translation",
        "best": "best answer",
        "also_true": "also true",
        "unmarked_false": "Options without a mark are false.",
    },
    "es": {
        "question": "Pregunta",
        "context": "Contexto",
        "choices": "Opciones",
        "correct": "respuesta correcta",
        "subject": "Tema",
        "category": "Categoría",
        "original": "Original",
        "translation": "Traducción",
        "best": "mejor respuesta",
        "also_true": "también verdadera",
        "unmarked_false": "Las opciones sin marca son falsas.",
    },
    "ca": {
        "question": "Pregunta",
        "context": "Context",
        "choices": "Opcions",
        "correct": "resposta correcta",
        "subject": "Tema",
        "category": "Categoria",
        "original": "Original",
        "translation": "Traducció",
        "best": "millor resposta",
        "also_true": "també certa",
        "unmarked_false": "Les opcions sense marca són falses.",
    },
    "gl": {
        "question": "Pregunta",
        "context": "Contexto",
        "choices": "Opcións",
        "correct": "resposta correcta",
        "subject": "Tema",
        "category": "Categoría",
        "original": "Orixinal",
        "translation": "Tradución",
        "best": "mellor resposta",
        "also_true": "tamén verdadeira",
        "unmarked_false": "As opcións sen marca son falsas.",
    },
    "eu": {
        "question": "Galdera",
        "context": "Testuingurua",
        "choices": "Aukerak",
        "correct": "erantzun zuzena",
        "subject": "Gaia",
        "category": "Kategoria",
        "original": "Jatorrizkoa",
        "translation": "Itzulpena",
        "best": "erantzunik onena",
        "also_true": "hau ere egia",
        "unmarked_false": "Markarik gabeko aukerak faltsuak dira.",
    },
    "pt": {
        "question": "Pergunta",
        "context": "Contexto",
        "choices": "Opções",
        "correct": "resposta correta",
        "subject": "Tema",
        "category": "Categoria",
        "original": "Original",
        "translation": "Tradução",
        "best": "melhor resposta",
        "also_true": "também verdadeira",
        "unmarked_false": "As opções sem marca são falsas.",
    },
}

_VERDICTS: dict[str, dict[str, str]] = {
    "en": {"correct": "Correct", "corrected": "Corrected", "unusable": "Unusable"},
    "es": {"correct": "Correcta", "corrected": "Corregida", "unusable": "Inservible"},
    "ca": {"correct": "Correcta", "corrected": "Corregida", "unusable": "Inservible"},
    "gl": {"correct": "Correcta", "corrected": "Corrixida", "unusable": "Inservible"},
    "eu": {"correct": "Zuzena", "corrected": "Zuzendua", "unusable": "Erabilezina"},
    "pt": {"correct": "Correta", "corrected": "Corrigida", "unusable": "Inutilizável"},
}

_ERRORS: dict[str, dict[str, str]] = {
    "en": {
        "mistranslation": "Mistranslation (meaning changed)",
        "omission_addition": "Omission or addition",
        "grammar_spelling": "Grammar or spelling",
        "terminology": "Terminology",
        "untranslated": "Left untranslated",
        "answer_changed": "Correct answer changed",
        "cultural_adaptation": "Needs cultural adaptation",
    },
    "es": {
        "mistranslation": "Traducción errónea (cambia el sentido)",
        "omission_addition": "Omisión o añadido",
        "grammar_spelling": "Gramática u ortografía",
        "terminology": "Terminología",
        "untranslated": "Sin traducir",
        "answer_changed": "Cambia la respuesta correcta",
        "cultural_adaptation": "Requiere adaptación cultural",
    },
    "ca": {
        "mistranslation": "Traducció errònia (canvia el sentit)",
        "omission_addition": "Omissió o addició",
        "grammar_spelling": "Gramàtica o ortografia",
        "terminology": "Terminologia",
        "untranslated": "Sense traduir",
        "answer_changed": "Canvia la resposta correcta",
        "cultural_adaptation": "Cal adaptació cultural",
    },
    "gl": {
        "mistranslation": "Tradución errónea (cambia o sentido)",
        "omission_addition": "Omisión ou engadido",
        "grammar_spelling": "Gramática ou ortografía",
        "terminology": "Terminoloxía",
        "untranslated": "Sen traducir",
        "answer_changed": "Cambia a resposta correcta",
        "cultural_adaptation": "Precisa adaptación cultural",
    },
    "eu": {
        "mistranslation": "Itzulpen okerra (esanahia aldatzen da)",
        "omission_addition": "Zerbait falta da edo soberan dago",
        "grammar_spelling": "Gramatika edo ortografia",
        "terminology": "Terminologia",
        "untranslated": "Itzuli gabe",
        "answer_changed": "Erantzun zuzena aldatzen da",
        "cultural_adaptation": "Kultura-egokitzapena behar du",
    },
    "pt": {
        "mistranslation": "Tradução errada (muda o sentido)",
        "omission_addition": "Omissão ou acréscimo",
        "grammar_spelling": "Gramática ou ortografia",
        "terminology": "Terminologia",
        "untranslated": "Não traduzido",
        "answer_changed": "Muda a resposta correta",
        "cultural_adaptation": "Precisa de adaptação cultural",
    },
}

# How the verdict's description starts: (with an original shown, without one). Without
# an original there is nothing to compare with, so the hint says what to check instead.
_VERDICT_LEAD: dict[str, tuple[str, str]] = {
    "en": (
        "Compare it with the original.",
        "There is no original to compare with: read the translation on its own and check "
        "that it is natural and complete and that the marked answer still holds.",
    ),
    "es": (
        "Compárala con el original.",
        "No hay original con el que compararla: léela por sí sola y comprueba que suene "
        "natural, que no le falte nada y que la respuesta marcada siga siendo correcta.",
    ),
    "ca": (
        "Compara-la amb l'original.",
        "No hi ha cap original per comparar-la: llegeix-la tota sola i comprova que soni "
        "natural, que no hi falti res i que la resposta marcada continuï sent correcta.",
    ),
    "gl": (
        "Compáraa co orixinal.",
        "Non hai orixinal co que comparala: léea por si soa e comproba que soe natural, "
        "que non lle falte nada e que a resposta marcada siga a ser correcta.",
    ),
    "eu": (
        "Alderatu jatorrizkoarekin.",
        "Ez dago jatorrizkorik alderatzeko: irakurri itzulpena bere horretan eta egiaztatu "
        "naturala dela, ezer falta ez zaiola eta markatutako erantzunak zuzena izaten "
        "jarraitzen duela.",
    ),
    "pt": (
        "Compare-a com o original.",
        "Não há original para comparar: leia-a sozinha e verifique se soa natural, se não "
        "falta nada e se a resposta marcada continua correta.",
    ),
}

# question name -> (title, description); the verdict's description follows its lead.
_QUESTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        Q_VERDICT: (
            "Is the translation right?",
            "Correct: nothing to change. Corrected: you "
            "fixed it in the correction box. Unusable: it cannot be fixed (e.g. the "
            "question makes no sense in this language).",
        ),
        Q_ERRORS: ("What was wrong?", "Optional: tick every problem you found."),
        Q_CORRECTION: (
            "Correction",
            "Edit only what is wrong. Keep every [[...]] line exactly as it is: it says "
            "which part of the item the text below it belongs to.",
        ),
        Q_COMMENT: ("Comment (optional)", "Doubts or notes for the reviewers."),
    },
    "es": {
        Q_VERDICT: (
            "¿Es correcta la traducción?",
            "Correcta: no hay nada que cambiar. Corregida: la "
            "has arreglado en el cuadro de corrección. Inservible: no tiene arreglo (p. "
            "ej., la pregunta no tiene sentido en este idioma).",
        ),
        Q_ERRORS: ("¿Qué fallaba?", "Opcional: marca todos los problemas que encontraste."),
        Q_CORRECTION: (
            "Corrección",
            "Edita solo lo que esté mal. Deja cada línea [[...]] tal cual: indica a qué "
            "parte del ítem pertenece el texto que va debajo.",
        ),
        Q_COMMENT: ("Comentario (opcional)", "Dudas o notas para el equipo de revisión."),
    },
    "ca": {
        Q_VERDICT: (
            "La traducció és correcta?",
            "Correcta: no cal canviar res. Corregida: l'has "
            "arreglada al quadre de correcció. Inservible: no té solució (p. ex., la "
            "pregunta no té sentit en aquesta llengua).",
        ),
        Q_ERRORS: ("Què fallava?", "Opcional: marca tots els problemes que hi has trobat."),
        Q_CORRECTION: (
            "Correcció",
            "Edita només el que estigui malament. Deixa cada línia [[...]] tal com és: "
            "indica a quina part de l'ítem pertany el text que hi ha a sota.",
        ),
        Q_COMMENT: ("Comentari (opcional)", "Dubtes o notes per a l'equip de revisió."),
    },
    "gl": {
        Q_VERDICT: (
            "É correcta a tradución?",
            "Correcta: non hai nada que cambiar. Corrixida: "
            "arranxáchela no cadro de corrección. Inservible: non ten arranxo (p. ex., a "
            "pregunta non ten sentido nesta lingua).",
        ),
        Q_ERRORS: ("Que fallaba?", "Opcional: marca todos os problemas que atopaches."),
        Q_CORRECTION: (
            "Corrección",
            "Edita só o que estea mal. Deixa cada liña [[...]] tal como está: indica a que "
            "parte do ítem pertence o texto que vai debaixo.",
        ),
        Q_COMMENT: ("Comentario (opcional)", "Dúbidas ou notas para o equipo de revisión."),
    },
    "eu": {
        Q_VERDICT: (
            "Itzulpena zuzena da?",
            "Zuzena: ez dago ezer aldatu beharrik. Zuzendua: "
            "zuzenketa-koadroan konpondu duzu. Erabilezina: ez dauka konponbiderik (adib., "
            "galderak ez du zentzurik hizkuntza honetan).",
        ),
        Q_ERRORS: ("Zer zegoen gaizki?", "Aukerakoa: markatu aurkitutako arazo guztiak."),
        Q_CORRECTION: (
            "Zuzenketa",
            "Aldatu gaizki dagoena soilik. Utzi [[...]] lerro bakoitza dagoen bezala: "
            "azpiko testua itemaren zein zatitakoa den adierazten du.",
        ),
        Q_COMMENT: ("Iruzkina (aukerakoa)", "Zalantzak edo oharrak berrikusleentzat."),
    },
    "pt": {
        Q_VERDICT: (
            "A tradução está correta?",
            "Correta: não há nada a mudar. Corrigida: você a "
            "corrigiu no campo de correção. Inutilizável: não tem conserto (p. ex., a "
            "pergunta não faz sentido nesta língua).",
        ),
        Q_ERRORS: ("O que estava errado?", "Opcional: marque todos os problemas encontrados."),
        Q_CORRECTION: (
            "Correção",
            "Edite só o que estiver errado. Mantenha cada linha [[...]] como está: ela "
            "indica a que parte do item pertence o texto abaixo dela.",
        ),
        Q_COMMENT: ("Comentário (opcional)", "Dúvidas ou notas para a equipe de revisão."),
    },
}


def base_language(lang: str | None) -> str:
    """'es-MX' -> 'es' when we have 'es'; anything unknown -> 'en'."""
    code = (lang or "en").replace("_", "-").lower()
    if code in _UI:
        return code
    base = code.split("-", 1)[0]
    return base if base in _UI else "en"


def ui_labels(lang: str) -> dict[str, str]:
    """Headings used in rendered fields (question, context, choices, ...)."""
    return dict(_UI[base_language(lang)])


def verdict_labels(lang: str) -> dict[str, str]:
    """VERDICTS -> label shown to annotators, in order."""
    table = _VERDICTS[base_language(lang)]
    return {v: table[v] for v in VERDICTS}


def error_labels(lang: str) -> dict[str, str]:
    """ERROR_CATEGORIES -> label shown to annotators, in order."""
    table = _ERRORS[base_language(lang)]
    return {c: table[c] for c in ERROR_CATEGORIES}


def question_titles(lang: str, *, with_original: bool = True) -> dict[str, str]:
    """Titles for the record's fields and questions, flat, as argilla_io reads them.

    Keys: "original", "translation" (field titles); for each question name (verdict,
    error_categories, correction, comment) its title under the name and its
    description under "<name>_description". The verdict's description asks to compare
    with the original only when the dataset shows one (`with_original`).
    """
    code = base_language(lang)
    out = field_titles(lang)
    for name, (title, description) in _QUESTIONS[code].items():
        out[name] = title
        out[f"{name}_description"] = description
    lead = _VERDICT_LEAD[code][0 if with_original else 1]
    out[f"{Q_VERDICT}_description"] = f"{lead} {out[f'{Q_VERDICT}_description']}"
    return out


def field_titles(lang: str) -> dict[str, str]:
    """Record field name -> title ("original", "translation")."""
    ui = ui_labels(lang)
    return {"original": ui["original"], "translation": ui["translation"]}


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
# Block markers that only count at the start of a line and before a space: "# ", "- ",
# "+ ", "1. ", "2) ", and "=" / "-" underlines.
_MD_LINE_START = re.compile(
    r"^([ \t]*)(?:([#+\-])(?=[ \t]|$)|(\d+)([.)])(?=[ \t]|$)|(=+|-+)[ \t]*$)", re.MULTILINE
)


def _escape_line_start(m: re.Match[str]) -> str:
    indent, marker, number, dot, rule = m.groups()
    if marker:
        return f"{indent}\\{marker}"
    if number:
        return f"{indent}{number}\\{dot}"
    return indent + "".join(f"\\{ch}" for ch in rule)


def escape_markdown(text: str) -> str:
    """Show benchmark text literally in Markdown; line breaks stay line breaks."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_LINE_START.sub(_escape_line_start, text)
    return text.replace("\n", "  \n")


def true_choices(item: Item) -> tuple[str, ...]:
    """TruthfulQA: the segments labelled true in mc2 (every true answer, the best one
    included); () for other benchmarks. Read from the source row through the adapter's
    layout, so a choice shared by mc1 and mc2 is the same segment."""
    row = item.row
    if not isinstance(row, dict) or not (
        "mc2_targets_choices" in row or isinstance(row.get("mc2_targets"), dict)
    ):
        return ()
    from annotate.adapters import RowError, get_adapter

    try:
        layout = get_adapter("truthfulqa").layout(row, item.index)
    except (RowError, KeyError, TypeError, IndexError):
        return ()
    labels2 = layout.shape[1] if layout.shape else ()
    return tuple(
        name
        for name, locs in layout.segments.items()
        if any(
            str(loc[0]).startswith("mc2_targets") and labels2[loc[-1]] == 1
            for loc in locs
            if isinstance(loc[-1], int)
        )
    )


def _render(
    segments: dict[str, str],
    answer: tuple[str, ...],
    meta: dict[str, str],
    lang: str,
    truths: tuple[str, ...] = (),
) -> str:
    """Markdown for one side. With mc2 `truths`, the answer is the *best* one (✅), the
    other true ones get ☑️ and a line says that unmarked options are false."""
    ui = ui_labels(lang)
    parts: list[str] = []
    for key in ("subject", "category"):
        if meta.get(key):
            parts.append(f"*{ui[key]}: {escape_markdown(meta[key])}*")
    if "context" in segments:
        parts.append(f"**{ui['context']}**\n\n{escape_markdown(segments['context'])}")
    if "question" in segments:
        parts.append(f"**{ui['question']}**\n\n{escape_markdown(segments['question'])}")
    lines = []
    for name, text in segments.items():
        if name in ("question", "context"):
            continue
        if name in answer:
            mark = f" {CORRECT_MARK} *({ui['best' if truths else 'correct']})*"
        elif name in truths:
            mark = f" {TRUE_MARK} *({ui['also_true']})*"
        else:
            mark = ""
        lines.append(f"- **{name}.** {escape_markdown(text)}{mark}")
    if lines:
        legend = f"\n\n*{ui['unmarked_false']}*" if truths else ""
        parts.append(f"**{ui['choices']}**\n\n" + "\n".join(lines) + legend)
    return "\n\n".join(parts)


def render_item(item: Item, lang: str) -> str:
    """The translation as the annotator reads it, headings in the campaign language."""
    return _render(item.segments, item.answer, item.metadata, lang, true_choices(item))


def render_original(item: Item, lang: str = "en") -> str | None:
    """The original (English) side, or None when the item has no original."""
    if item.original is None:
        return None
    return _render(item.original, item.answer, item.metadata, lang, true_choices(item))


def record_payload(
    item: Item, *, lang: str, source_lang: str = "en", protocol: str = "verdict"
) -> dict[str, Any]:
    """Everything push needs for one Argilla record (id, fields, suggestion, metadata).

    Under `protocol: esa` the translation is the plain segment layout the error spans
    are over (annotate.esa), not Markdown."""
    fields: dict[str, str] = {}
    original = render_original(item, source_lang)
    if original is not None:
        fields["original"] = original
    if protocol == "esa":
        from annotate.esa import item_layout

        fields["translation"] = item_layout(item, lang).text
    else:
        fields["translation"] = render_item(item, lang)
    metadata: dict[str, str] = {"benchmark": item.benchmark}
    for key in ("split", "subject", "category"):
        if item.metadata.get(key):
            metadata[key] = item.metadata[key]
    metadata["content_hash"] = item.content_hash
    metadata["item_key"] = item.key
    return {
        "id": item.record_id,
        "fields": fields,
        "suggestions": {Q_CORRECTION: format_correction(item.segments)},
        "metadata": metadata,
    }
