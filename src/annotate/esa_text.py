"""What an ESA annotator reads, per language (es, ca, eu, gl, pt, en; others fall back
as `records.base_language` says): the span and score questions, the label texts and the
guidelines block added to the campaign's own guidelines. Kept apart from `esa` so the
protocol's logic reads without six languages of prose around it."""

from __future__ import annotations

from annotate.esa import MISSING, NON_TRANSLATION, PUNCTUATION, parse_label

_SEVERITY: dict[str, dict[str, str]] = {
    "en": {"minor": "Minor", "major": "Major"},
    "es": {"minor": "Leve", "major": "Grave"},
    "ca": {"minor": "Lleu", "major": "Greu"},
    "gl": {"minor": "Leve", "major": "Grave"},
    "eu": {"minor": "Arina", "major": "Larria"},
    "pt": {"minor": "Leve", "major": "Grave"},
}

# Span categories the verdict design does not have.
_EXTRA_CATEGORIES: dict[str, dict[str, str]] = {
    "en": {PUNCTUATION: "Punctuation", NON_TRANSLATION: "Not a translation (whole segment)"},
    "es": {PUNCTUATION: "Puntuación", NON_TRANSLATION: "No es una traducción (todo el segmento)"},
    "ca": {PUNCTUATION: "Puntuació", NON_TRANSLATION: "No és una traducció (tot el segment)"},
    "gl": {PUNCTUATION: "Puntuación", NON_TRANSLATION: "Non é unha tradución (todo o segmento)"},
    "eu": {PUNCTUATION: "Puntuazioa", NON_TRANSLATION: "Ez da itzulpena (segmentu osoa)"},
    "pt": {PUNCTUATION: "Pontuação", NON_TRANSLATION: "Não é uma tradução (segmento inteiro)"},
}

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "span_title": "Mark the errors",
        "span_description": (
            f"Select each error in the translation and give it a severity. Minor: style, "
            f"grammar or wording that does not change the meaning. Major: the meaning "
            f"changes or the item no longer works. Something left out: select the {MISSING} "
            f"at the end of that part."
        ),
        "score_title": "Translation quality (0-10)",
        "score_description": (
            "0: no meaning preserved. 3: some meaning preserved. 7: most meaning preserved, "
            "few grammar mistakes. 10: perfect. Scores in between are fine."
        ),
        "guidelines": (
            "## Marking errors (ESA)\n\n"
            "1. Read the original and the translation.\n"
            "2. In the translation, select every error and label it minor or major "
            f"(when something is missing, select the {MISSING} of that part).\n"
            "3. Score the whole translation from 0 to 10: 0 no meaning preserved, 3 some "
            "meaning preserved, 7 most meaning preserved and few grammar mistakes, 10 "
            "perfect.\n"
            "4. Then say whether it is correct, and correct it in the correction box."
        ),
    },
    "es": {
        "span_title": "Marca los errores",
        "span_description": (
            f"Selecciona cada error de la traducción y dale una gravedad. Leve: estilo, "
            f"gramática o redacción que no cambia el sentido. Grave: cambia el sentido o el "
            f"ítem deja de funcionar. Si falta algo, selecciona el {MISSING} al final de "
            f"esa parte."
        ),
        "score_title": "Calidad de la traducción (0-10)",
        "score_description": (
            "0: no conserva nada del sentido. 3: conserva parte del sentido. 7: conserva "
            "casi todo el sentido, con pocos errores gramaticales. 10: perfecta. Puedes usar "
            "los valores intermedios."
        ),
        "guidelines": (
            "## Cómo marcar errores (ESA)\n\n"
            "1. Lee el original y la traducción.\n"
            "2. En la traducción, selecciona cada error y márcalo como leve o grave (si "
            f"falta algo, selecciona el {MISSING} de esa parte).\n"
            "3. Puntúa la traducción entera de 0 a 10: 0 no conserva nada del sentido, 3 "
            "conserva parte, 7 conserva casi todo con pocos errores gramaticales, 10 "
            "perfecta.\n"
            "4. Después di si es correcta y corrígela en el cuadro de corrección."
        ),
    },
    "ca": {
        "span_title": "Marca els errors",
        "span_description": (
            f"Selecciona cada error de la traducció i dona-li una gravetat. Lleu: estil, "
            f"gramàtica o redacció que no canvia el sentit. Greu: canvia el sentit o l'ítem "
            f"deixa de funcionar. Si hi falta alguna cosa, selecciona el {MISSING} al final "
            f"d'aquella part."
        ),
        "score_title": "Qualitat de la traducció (0-10)",
        "score_description": (
            "0: no conserva gens del sentit. 3: en conserva una part. 7: conserva gairebé "
            "tot el sentit, amb pocs errors gramaticals. 10: perfecta. Pots fer servir els "
            "valors intermedis."
        ),
        "guidelines": (
            "## Com marcar errors (ESA)\n\n"
            "1. Llegeix l'original i la traducció.\n"
            "2. A la traducció, selecciona cada error i marca'l com a lleu o greu (si hi "
            f"falta alguna cosa, selecciona el {MISSING} d'aquella part).\n"
            "3. Puntua tota la traducció de 0 a 10: 0 no conserva gens del sentit, 3 en "
            "conserva una part, 7 en conserva gairebé tot amb pocs errors gramaticals, 10 "
            "perfecta.\n"
            "4. Després digues si és correcta i corregeix-la al quadre de correcció."
        ),
    },
    "gl": {
        "span_title": "Marca os erros",
        "span_description": (
            f"Selecciona cada erro da tradución e dálle unha gravidade. Leve: estilo, "
            f"gramática ou redacción que non cambia o sentido. Grave: cambia o sentido ou o "
            f"ítem deixa de funcionar. Se falta algo, selecciona o {MISSING} ao final desa "
            f"parte."
        ),
        "score_title": "Calidade da tradución (0-10)",
        "score_description": (
            "0: non conserva nada do sentido. 3: conserva parte do sentido. 7: conserva case "
            "todo o sentido, con poucos erros gramaticais. 10: perfecta. Podes usar os "
            "valores intermedios."
        ),
        "guidelines": (
            "## Como marcar erros (ESA)\n\n"
            "1. Le o orixinal e a tradución.\n"
            "2. Na tradución, selecciona cada erro e márcao como leve ou grave (se falta "
            f"algo, selecciona o {MISSING} desa parte).\n"
            "3. Puntúa a tradución enteira de 0 a 10: 0 non conserva nada do sentido, 3 "
            "conserva parte, 7 conserva case todo con poucos erros gramaticais, 10 "
            "perfecta.\n"
            "4. Despois di se é correcta e corríxea no cadro de corrección."
        ),
    },
    "eu": {
        "span_title": "Markatu akatsak",
        "span_description": (
            f"Hautatu itzulpeneko akats bakoitza eta eman larritasun bat. Arina: esanahia "
            f"aldatzen ez duen estilo, gramatika edo idazkera. Larria: esanahia aldatzen da "
            f"edo itemak ez du funtzionatzen. Zerbait falta bada, hautatu zati horren "
            f"amaierako {MISSING}."
        ),
        "score_title": "Itzulpenaren kalitatea (0-10)",
        "score_description": (
            "0: ez du esanahirik gordetzen. 3: esanahiaren zati bat gordetzen du. 7: ia "
            "esanahi osoa gordetzen du, gramatika-akats gutxirekin. 10: ezin hobea. Tarteko "
            "balioak ere erabil ditzakezu."
        ),
        "guidelines": (
            "## Akatsak nola markatu (ESA)\n\n"
            "1. Irakurri jatorrizkoa eta itzulpena.\n"
            "2. Itzulpenean, hautatu akats bakoitza eta markatu arina edo larria bezala "
            f"(zerbait falta bada, hautatu zati horren {MISSING}).\n"
            "3. Puntuatu itzulpen osoa 0tik 10era: 0 ez du esanahirik gordetzen, 3 zati "
            "bat gordetzen du, 7 ia dena gramatika-akats gutxirekin, 10 ezin hobea.\n"
            "4. Ondoren esan zuzena den eta zuzendu zuzenketa-koadroan."
        ),
    },
    "pt": {
        "span_title": "Marque os erros",
        "span_description": (
            f"Selecione cada erro da tradução e dê-lhe uma gravidade. Leve: estilo, "
            f"gramática ou redação que não muda o sentido. Grave: o sentido muda ou o item "
            f"deixa de funcionar. Se faltar algo, selecione o {MISSING} no fim dessa parte."
        ),
        "score_title": "Qualidade da tradução (0-10)",
        "score_description": (
            "0: não preserva nada do sentido. 3: preserva parte do sentido. 7: preserva "
            "quase todo o sentido, com poucos erros gramaticais. 10: perfeita. Pode usar os "
            "valores intermediários."
        ),
        "guidelines": (
            "## Como marcar erros (ESA)\n\n"
            "1. Leia o original e a tradução.\n"
            "2. Na tradução, selecione cada erro e marque-o como leve ou grave (se faltar "
            f"algo, selecione o {MISSING} dessa parte).\n"
            "3. Dê uma nota à tradução inteira de 0 a 10: 0 não preserva nada do sentido, 3 "
            "preserva parte, 7 preserva quase tudo com poucos erros gramaticais, 10 "
            "perfeita.\n"
            "4. Depois diga se está correta e corrija-a no campo de correção."
        ),
    },
}


def texts(lang: str) -> dict[str, str]:
    """Question titles, descriptions and the guidelines block for `lang`."""
    from annotate.records import base_language

    return dict(_TEXTS[base_language(lang)])


def category_texts(lang: str) -> dict[str, str]:
    """Span category -> its name in `lang` (the verdict design's names, and the extras)."""
    from annotate.records import base_language, error_labels

    return {**error_labels(lang), **_EXTRA_CATEGORIES[base_language(lang)]}


def span_label_texts(lang: str, labels: tuple[str, ...]) -> dict[str, str]:
    """Label value -> what the annotator reads ('terminology:major' -> 'Terminología ·
    Grave')."""
    from annotate.records import base_language

    severity = _SEVERITY[base_language(lang)]
    categories = category_texts(lang)
    out = {}
    for label in labels:
        category, level = parse_label(label)
        if category is None:
            out[label] = severity[level]
        elif category == NON_TRANSLATION:
            out[label] = categories[NON_TRANSLATION]
        else:
            out[label] = f"{categories[category]} · {severity[level]}"
    return out


# The report's "MT quality" section (its heading is i18n's "mt_quality").
_REPORT: dict[str, dict[str, str]] = {
    "en": {
        "intro": "How good the machine translation was, as annotators measured it with error "
        "spans (ESA): the 0-100 score (higher is better) and the MQM-style penalty from the "
        "spans (lower is better), with 95% bootstrap intervals; span F1: how much annotators "
        "agree on where the errors are (0 to 1).",
        "scored": "Items scored",
        "esa": "ESA score (0-100)",
        "mqm": "MQM penalty",
        "f1": "Span F1",
        "categories": "Errors per category",
        "category": "Category",
        "minor": "Minor",
        "major": "Major",
        "penalty": "Penalty per item",
        "uncategorised": "No category",
    },
    "es": {
        "intro": "Qué tal era la traducción automática, según la midieron los anotadores "
        "marcando errores (ESA): la puntuación de 0 a 100 (más es mejor) y la penalización "
        "tipo MQM de los errores marcados (menos es mejor), con intervalos bootstrap del "
        "95 %; F1 de fragmentos: cuánto coinciden los anotadores en dónde están los errores "
        "(de 0 a 1).",
        "scored": "Ítems puntuados",
        "esa": "Puntuación ESA (0-100)",
        "mqm": "Penalización MQM",
        "f1": "F1 de fragmentos",
        "categories": "Errores por tipo",
        "category": "Tipo",
        "minor": "Leves",
        "major": "Graves",
        "penalty": "Penalización por ítem",
        "uncategorised": "Sin tipo",
    },
    "ca": {
        "intro": "Com era la traducció automàtica, segons la van mesurar els anotadors marcant "
        "errors (ESA): la puntuació de 0 a 100 (més és millor) i la penalització tipus MQM "
        "dels errors marcats (menys és millor), amb intervals bootstrap del 95 %; F1 de "
        "fragments: fins a quin punt coincideixen els anotadors en on són els errors (de 0 "
        "a 1).",
        "scored": "Ítems puntuats",
        "esa": "Puntuació ESA (0-100)",
        "mqm": "Penalització MQM",
        "f1": "F1 de fragments",
        "categories": "Errors per tipus",
        "category": "Tipus",
        "minor": "Lleus",
        "major": "Greus",
        "penalty": "Penalització per ítem",
        "uncategorised": "Sense tipus",
    },
    "gl": {
        "intro": "Como era a tradución automática, segundo a mediron os anotadores marcando "
        "erros (ESA): a puntuación de 0 a 100 (máis é mellor) e a penalización tipo MQM dos "
        "erros marcados (menos é mellor), con intervalos bootstrap do 95 %; F1 de "
        "fragmentos: canto coinciden os anotadores en onde están os erros (de 0 a 1).",
        "scored": "Ítems puntuados",
        "esa": "Puntuación ESA (0-100)",
        "mqm": "Penalización MQM",
        "f1": "F1 de fragmentos",
        "categories": "Erros por tipo",
        "category": "Tipo",
        "minor": "Leves",
        "major": "Graves",
        "penalty": "Penalización por ítem",
        "uncategorised": "Sen tipo",
    },
    "eu": {
        "intro": "Itzulpen automatikoa nolakoa zen, anotatzaileek akatsak markatuz neurtu "
        "zuten bezala (ESA): 0tik 100erako puntuazioa (handiagoa hobea) eta markatutako "
        "akatsen MQM erako zigorra (txikiagoa hobea), % 95eko bootstrap tarteekin; zatien "
        "F1: anotatzaileak akatsak non dauden zenbateraino bat datozen (0tik 1era).",
        "scored": "Puntuatutako itemak",
        "esa": "ESA puntuazioa (0-100)",
        "mqm": "MQM zigorra",
        "f1": "Zatien F1",
        "categories": "Akatsak motaka",
        "category": "Mota",
        "minor": "Arinak",
        "major": "Larriak",
        "penalty": "Zigorra itemeko",
        "uncategorised": "Motarik gabe",
    },
    "pt": {
        "intro": "Como era a tradução automática, segundo a mediram os anotadores marcando "
        "erros (ESA): a nota de 0 a 100 (mais é melhor) e a penalização tipo MQM dos erros "
        "marcados (menos é melhor), com intervalos bootstrap de 95 %; F1 de trechos: quanto "
        "os anotadores concordam sobre onde estão os erros (de 0 a 1).",
        "scored": "Itens avaliados",
        "esa": "Nota ESA (0-100)",
        "mqm": "Penalização MQM",
        "f1": "F1 de trechos",
        "categories": "Erros por tipo",
        "category": "Tipo",
        "minor": "Leves",
        "major": "Graves",
        "penalty": "Penalização por item",
        "uncategorised": "Sem tipo",
    },
}


def report_texts(lang: str) -> dict[str, str]:
    """The words of the report's MT quality section in `lang`."""
    from annotate.records import base_language

    return dict(_REPORT[base_language(lang)])
