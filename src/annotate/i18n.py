"""UI strings and number formats for the campaign report, in the campaign's language.

Volunteers read the report in the language they annotate in, so every visible word comes
from here. Unknown languages and missing keys fall back to English, never to a crash or a
raw key. Adding a language is adding one dict to `STRINGS` (plus its number style).
"""

from __future__ import annotations

import math

DEFAULT_LANG = "en"

# Thousands separator, decimal mark and how a percentage is written, per language.
# Spanish, Catalan and Galician put a (no-break) space before %; Basque writes it first;
# Portuguese (as written in Brazil, most of its speakers) puts it right after.
_NUMBER_STYLE: dict[str, tuple[str, str, str]] = {
    "en": (",", ".", "{}%"),
    "es": (".", ",", "{}\u00a0%"),
    "ca": (".", ",", "{}\u00a0%"),
    "gl": (".", ",", "{}\u00a0%"),
    "eu": (".", ",", "%\u00a0{}"),
    "pt": (".", ",", "{}%"),
}

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "html_lang": "en",
        "report_title": "{campaign}: campaign report",
        "report_kicker": "Community validation of translated benchmarks",
        "generated_at": "Generated {when}",
        "campaign_language": "Campaign language: {language}",
        "contents": "Contents",
        "no_data": "No data yet. It will appear here after the first pull.",
        "na": "n/a",
        "utc": "UTC",
        "benchmark": "Benchmark",
        "overall": "Overall",
        "total": "Total",
        "latest": "latest",
        # summary
        "summary": "Summary",
        "kpi_records": "Items",
        "kpi_completed": "Completed",
        "kpi_responses": "Submitted responses",
        "kpi_volunteers": "Volunteers",
        "kpi_alpha": "Overall Krippendorff α",
        "reached_one": "{n} volunteer has reached {threshold} validations",
        "reached_other": "{n} volunteers have reached {threshold} validations",
        # progress over time
        "history": "Progress over time",
        "history_intro": "One line per benchmark, one point per pull.",
        "completed_records": "Completed items",
        "submitted_responses": "Submitted responses",
        "history_chart_desc": "{metric} per benchmark over time, from {start} to {end}.",
        # completion
        "completion": "Completion per benchmark",
        "completion_intro": "Completed items out of each benchmark's total.",
        "completed": "Completed",
        "pending": "Pending",
        "other": "Other",
        "completion_chart_desc": "Stacked bars of completed and pending items per benchmark.",
        "of_total": "{done} of {total}",
        "annotators": "Annotators",
        # leaderboard
        "leaderboard": "Leaderboard",
        "leaderboard_intro": "Every validation counts. Thanks to everyone who took part!",
        "rank": "#",
        "volunteer": "Volunteer",
        "validations": "Validations",
        "per_benchmark": "Per benchmark",
        "agreement_with_consensus": "Agreement with consensus",
        "phantom_corrections": "Phantom corrections",
        "gold_accuracy": "Gold accuracy",
        "care_intro": (
            "Care counts as much as clicks: agreement with the consensus, and phantom corrections"
            " (“corrected” with the text left as the machine translation), are shown next to each"
            " count."
        ),
        "milestones": "Milestones",
        "top_volunteers": "Top {n} volunteers",
        "leaderboard_chart_desc": "Validations of the top {n} volunteers, with the campaign "
        "thresholds as vertical lines.",
        "threshold_line": "{threshold} validations",
        "reached_badge": "≥\u00a0{threshold}",
        "reached_badge_title": "Reached {threshold} validations",
        # agreement
        "agreement": "Inter-annotator agreement",
        "agreement_intro": "Krippendorff's α on the verdicts, with its confidence interval. "
        "α ≥ 0.8 is reliable, α ≥ 0.667 allows tentative conclusions, lower is too low "
        "to rely on.",
        "agreement_chart_desc": "Krippendorff's alpha per benchmark as a dot with its "
        "confidence interval as a whisker; reference lines at 0.667 and 0.8.",
        "items": "Items",
        "ratings": "Ratings",
        "alpha": "α",
        "interval": "Confidence interval",
        "percent_agreement": "Observed agreement",
        "reading": "Reading",
        "reading_reliable": "Reliable",
        "reading_tentative": "Tentative",
        "reading_low": "Low",
        "reading_na": "Not enough data",
        # verdicts and errors
        "verdicts": "Verdicts",
        "verdicts_intro": "How annotators judged the machine translation.",
        "verdicts_chart_desc": "Share of each verdict per benchmark.",
        "errors": "Error categories",
        "mt_quality": "Machine translation quality",
        "errors_intro": "What was wrong with the translations that needed fixing.",
        "errors_chart_desc": "Number of times each error category was flagged.",
        # automatic triage (annotate.triage)
        "triage": "Automatic triage",
        "triage_intro": (
            "How well each automatic check, run before people, foretold what volunteers found. "
            "Precision: of the items a check flagged, the share people corrected or found "
            "unusable. Recall: of those items, the share the check flagged. Only items people "
            "settled count."
        ),
        "triage_chart_desc": (
            "Precision and recall of each automatic check against the volunteers' verdicts."
        ),
        "check": "Check",
        "flagged": "Flagged",
        "precision": "Precision",
        "recall": "Recall",
        "true_positives": "Confirmed",
        "false_positives": "False alarms",
        "false_negatives": "Missed",
        "check.language": "Wrong language",
        "check.untranslated": "Left untranslated",
        "check.numbers": "Numbers, units, links",
        "check.length_ratio": "Unusual length",
        "check.choices": "Empty or duplicated choices",
        "check.giveaway": "Answer given away",
        "check.any": "Any check",
        "count": "Count",
        "category": "Category",
        # disagreements
        "disagreements": "Items with the most disagreement",
        "disagreements_intro": "The {n} items where annotators agreed the least: "
        "good candidates for a second look.",
        "item": "Item",
        "question": "Question",
        "votes": "Votes",
        "agreement_short": "Agreement",
        "status": "Status",
        "footer": "Static report generated by annotate. It works offline and loads nothing "
        "from the network.",
        # label sets
        "verdict.correct": "Correct",
        "verdict.corrected": "Corrected",
        "verdict.unusable": "Unusable",
        "error.mistranslation": "Mistranslation",
        "error.omission_addition": "Omission or addition",
        "error.grammar_spelling": "Grammar or spelling",
        "error.terminology": "Terminology",
        "error.untranslated": "Left untranslated",
        "error.answer_changed": "Answer changed",
        "error.cultural_adaptation": "Cultural adaptation",
        "status.validated": "Validated",
        "status.corrected": "Corrected",
        "status.unusable": "Unusable",
        "status.needs_review": "Needs review",
        "status.unannotated": "Unannotated",
    },
    "es": {
        "html_lang": "es",
        "report_title": "{campaign}: informe de la campaña",
        "report_kicker": "Validación comunitaria de benchmarks traducidos",
        "generated_at": "Generado el {when}",
        "campaign_language": "Idioma de la campaña: {language}",
        "contents": "Contenido",
        "no_data": "Aún no hay datos. Aparecerán aquí tras la primera descarga (pull).",
        "na": "s/d",
        "utc": "UTC",
        "benchmark": "Benchmark",
        "overall": "Global",
        "total": "Total",
        "latest": "último",
        "summary": "Resumen",
        "kpi_records": "Ítems",
        "kpi_completed": "Completados",
        "kpi_responses": "Respuestas enviadas",
        "kpi_volunteers": "Voluntarios",
        "kpi_alpha": "α de Krippendorff global",
        "reached_one": "{n} persona ha alcanzado las {threshold} validaciones",
        "reached_other": "{n} personas han alcanzado las {threshold} validaciones",
        "history": "Progreso en el tiempo",
        "history_intro": "Una línea por benchmark, un punto por descarga.",
        "completed_records": "Ítems completados",
        "submitted_responses": "Respuestas enviadas",
        "history_chart_desc": "{metric} por benchmark a lo largo del tiempo, del {start} al {end}.",
        "completion": "Avance por benchmark",
        "completion_intro": "Ítems completados sobre el total de cada benchmark.",
        "completed": "Completados",
        "pending": "Pendientes",
        "other": "Otros",
        "completion_chart_desc": "Barras apiladas de ítems completados y pendientes por benchmark.",
        "of_total": "{done} de {total}",
        "annotators": "Anotadores",
        "leaderboard": "Clasificación",
        "leaderboard_intro": "Cada validación cuenta. ¡Gracias a todas las personas que han "
        "participado!",
        "rank": "#",
        "volunteer": "Voluntario/a",
        "validations": "Validaciones",
        "per_benchmark": "Por benchmark",
        "agreement_with_consensus": "Acuerdo con el consenso",
        "phantom_corrections": "Correcciones fantasma",
        "gold_accuracy": "Acierto en oro",
        "care_intro": (
            "El cuidado cuenta tanto como los clics: junto a cada recuento se muestran el acuerdo"
            " con el consenso y las correcciones fantasma (“corregido” dejando el texto de la "
            "traducción automática)."
        ),
        "milestones": "Hitos",
        "top_volunteers": "Las {n} personas con más validaciones",
        "leaderboard_chart_desc": "Validaciones de las {n} personas con más validaciones, "
        "con los umbrales de la campaña como líneas verticales.",
        "threshold_line": "{threshold} validaciones",
        "reached_badge": "≥\u00a0{threshold}",
        "reached_badge_title": "Ha alcanzado las {threshold} validaciones",
        "agreement": "Acuerdo entre anotadores",
        "agreement_intro": "α de Krippendorff sobre los veredictos, con su intervalo de "
        "confianza. α ≥ 0,8 es fiable, α ≥ 0,667 permite conclusiones provisionales y un "
        "valor menor es demasiado bajo para fiarse.",
        "agreement_chart_desc": "Alfa de Krippendorff por benchmark: un punto con su "
        "intervalo de confianza como bigote; líneas de referencia en 0,667 y 0,8.",
        "items": "Ítems",
        "ratings": "Valoraciones",
        "alpha": "α",
        "interval": "Intervalo de confianza",
        "percent_agreement": "Acuerdo observado",
        "reading": "Lectura",
        "reading_reliable": "Fiable",
        "reading_tentative": "Provisional",
        "reading_low": "Bajo",
        "reading_na": "Datos insuficientes",
        "verdicts": "Veredictos",
        "verdicts_intro": "Cómo han juzgado los anotadores la traducción automática.",
        "verdicts_chart_desc": "Proporción de cada veredicto por benchmark.",
        "errors": "Tipos de error",
        "mt_quality": "Calidad de la traducción automática",
        "errors_intro": "Qué fallaba en las traducciones que hubo que corregir.",
        "errors_chart_desc": "Número de veces que se marcó cada tipo de error.",
        # automatic triage (annotate.triage)
        "triage": "Cribado automático",
        "triage_intro": (
            "Qué tal anticipó cada comprobación automática, hecha antes que las personas, lo que "
            "encontraron los voluntarios. Precisión: de los ítems que marcó, la parte que se "
            "corrigió o se declaró inservible. Exhaustividad: de esos ítems, la parte que marcó. "
            "Solo cuentan los ítems ya resueltos."
        ),
        "triage_chart_desc": (
            "Precisión y exhaustividad de cada comprobación automática frente a los veredictos."
        ),
        "check": "Comprobación",
        "flagged": "Marcados",
        "precision": "Precisión",
        "recall": "Exhaustividad",
        "true_positives": "Confirmados",
        "false_positives": "Falsas alarmas",
        "false_negatives": "Omitidos",
        "check.language": "Idioma equivocado",
        "check.untranslated": "Sin traducir",
        "check.numbers": "Números, unidades, enlaces",
        "check.length_ratio": "Longitud inusual",
        "check.choices": "Opciones vacías o repetidas",
        "check.giveaway": "Respuesta delatada",
        "check.any": "Cualquiera",
        "count": "Recuento",
        "category": "Tipo",
        "disagreements": "Ítems con más desacuerdo",
        "disagreements_intro": "Los {n} ítems en los que menos coincidieron los anotadores: "
        "buenos candidatos para una segunda revisión.",
        "item": "Ítem",
        "question": "Pregunta",
        "votes": "Votos",
        "agreement_short": "Acuerdo",
        "status": "Estado",
        "footer": "Informe estático generado por annotate. Funciona sin conexión y no carga "
        "nada de la red.",
        "verdict.correct": "Correcta",
        "verdict.corrected": "Corregida",
        "verdict.unusable": "Inservible",
        "error.mistranslation": "Traducción errónea",
        "error.omission_addition": "Omisión o adición",
        "error.grammar_spelling": "Gramática u ortografía",
        "error.terminology": "Terminología",
        "error.untranslated": "Sin traducir",
        "error.answer_changed": "Respuesta alterada",
        "error.cultural_adaptation": "Adaptación cultural",
        "status.validated": "Validado",
        "status.corrected": "Corregido",
        "status.unusable": "Inservible",
        "status.needs_review": "Requiere revisión",
        "status.unannotated": "Sin anotar",
    },
    "ca": {
        "html_lang": "ca",
        "report_title": "{campaign}: informe de la campanya",
        "report_kicker": "Validació comunitària de benchmarks traduïts",
        "generated_at": "Generat el {when}",
        "campaign_language": "Llengua de la campanya: {language}",
        "contents": "Contingut",
        "no_data": "Encara no hi ha dades. Apareixeran aquí després de la primera baixada (pull).",
        "na": "s/d",
        "overall": "Global",
        "latest": "últim",
        "summary": "Resum",
        "kpi_records": "Ítems",
        "kpi_completed": "Completats",
        "kpi_responses": "Respostes enviades",
        "kpi_volunteers": "Voluntaris",
        "kpi_alpha": "α de Krippendorff global",
        "reached_one": "{n} persona ha arribat a les {threshold} validacions",
        "reached_other": "{n} persones han arribat a les {threshold} validacions",
        "history": "Progrés en el temps",
        "history_intro": "Una línia per benchmark, un punt per baixada.",
        "completed_records": "Ítems completats",
        "submitted_responses": "Respostes enviades",
        "history_chart_desc": "{metric} per benchmark al llarg del temps, del {start} al {end}.",
        "completion": "Avenç per benchmark",
        "completion_intro": "Ítems completats sobre el total de cada benchmark.",
        "completed": "Completats",
        "pending": "Pendents",
        "other": "Altres",
        "completion_chart_desc": "Barres apilades d'ítems completats i pendents per benchmark.",
        "of_total": "{done} de {total}",
        "annotators": "Anotadors",
        "leaderboard": "Classificació",
        "leaderboard_intro": "Cada validació compta. Gràcies a totes les persones que hi han "
        "participat!",
        "volunteer": "Voluntari/ària",
        "validations": "Validacions",
        "per_benchmark": "Per benchmark",
        "agreement_with_consensus": "Acord amb el consens",
        "phantom_corrections": "Correccions fantasma",
        "gold_accuracy": "Encert en or",
        "care_intro": (
            "La cura compta tant com els clics: al costat de cada recompte es mostren l'acord amb"
            " el consens i les correccions fantasma (“corregit” deixant el text de la traducció "
            "automàtica)."
        ),
        "milestones": "Fites",
        "top_volunteers": "Les {n} persones amb més validacions",
        "leaderboard_chart_desc": "Validacions de les {n} persones amb més validacions, amb "
        "els llindars de la campanya com a línies verticals.",
        "threshold_line": "{threshold} validacions",
        "reached_badge_title": "Ha arribat a les {threshold} validacions",
        "agreement": "Acord entre anotadors",
        "agreement_intro": "α de Krippendorff sobre els veredictes, amb el seu interval de "
        "confiança. α ≥ 0,8 és fiable, α ≥ 0,667 permet conclusions provisionals i un valor "
        "inferior és massa baix per refiar-se'n.",
        "agreement_chart_desc": "Alfa de Krippendorff per benchmark: un punt amb el seu "
        "interval de confiança; línies de referència a 0,667 i 0,8.",
        "items": "Ítems",
        "ratings": "Valoracions",
        "interval": "Interval de confiança",
        "percent_agreement": "Acord observat",
        "reading": "Lectura",
        "reading_reliable": "Fiable",
        "reading_tentative": "Provisional",
        "reading_low": "Baix",
        "reading_na": "Dades insuficients",
        "verdicts": "Veredictes",
        "verdicts_intro": "Com han jutjat els anotadors la traducció automàtica.",
        "verdicts_chart_desc": "Proporció de cada veredicte per benchmark.",
        "errors": "Tipus d'error",
        "mt_quality": "Qualitat de la traducció automàtica",
        "errors_intro": "Què fallava en les traduccions que calia corregir.",
        "errors_chart_desc": "Nombre de vegades que s'ha marcat cada tipus d'error.",
        # automatic triage (annotate.triage)
        "triage": "Triatge automàtic",
        "triage_intro": (
            "Com de bé va anticipar cada comprovació automàtica, feta abans que les persones, el "
            "que van trobar els voluntaris. Precisió: dels ítems que va marcar, la part que es va"
            " corregir o es va declarar inservible. Exhaustivitat: d'aquests ítems, la part que "
            "va marcar. Només compten els ítems ja resolts."
        ),
        "triage_chart_desc": (
            "Precisió i exhaustivitat de cada comprovació automàtica davant dels veredictes."
        ),
        "check": "Comprovació",
        "flagged": "Marcats",
        "precision": "Precisió",
        "recall": "Exhaustivitat",
        "true_positives": "Confirmats",
        "false_positives": "Falses alarmes",
        "false_negatives": "Omesos",
        "check.language": "Llengua equivocada",
        "check.untranslated": "Sense traduir",
        "check.numbers": "Nombres, unitats, enllaços",
        "check.length_ratio": "Llargada inusual",
        "check.choices": "Opcions buides o repetides",
        "check.giveaway": "Resposta delatada",
        "check.any": "Qualsevol",
        "count": "Recompte",
        "category": "Tipus",
        "disagreements": "Ítems amb més desacord",
        "disagreements_intro": "Els {n} ítems en què els anotadors han coincidit menys: "
        "bons candidats per a una segona revisió.",
        "item": "Ítem",
        "question": "Pregunta",
        "votes": "Vots",
        "agreement_short": "Acord",
        "status": "Estat",
        "footer": "Informe estàtic generat per annotate. Funciona sense connexió i no carrega "
        "res de la xarxa.",
        "verdict.correct": "Correcta",
        "verdict.corrected": "Corregida",
        "verdict.unusable": "Inservible",
        "error.mistranslation": "Traducció errònia",
        "error.omission_addition": "Omissió o addició",
        "error.grammar_spelling": "Gramàtica o ortografia",
        "error.terminology": "Terminologia",
        "error.untranslated": "Sense traduir",
        "error.answer_changed": "Resposta alterada",
        "error.cultural_adaptation": "Adaptació cultural",
        "status.validated": "Validat",
        "status.corrected": "Corregit",
        "status.unusable": "Inservible",
        "status.needs_review": "Cal revisar-lo",
        "status.unannotated": "Sense anotar",
    },
    "gl": {
        "html_lang": "gl",
        "report_title": "{campaign}: informe da campaña",
        "report_kicker": "Validación comunitaria de benchmarks traducidos",
        "generated_at": "Xerado o {when}",
        "campaign_language": "Lingua da campaña: {language}",
        "contents": "Contido",
        "no_data": "Aínda non hai datos. Aparecerán aquí despois da primeira descarga (pull).",
        "na": "s/d",
        "overall": "Global",
        "latest": "último",
        "summary": "Resumo",
        "kpi_records": "Ítems",
        "kpi_completed": "Completados",
        "kpi_responses": "Respostas enviadas",
        "kpi_volunteers": "Voluntarios",
        "kpi_alpha": "α de Krippendorff global",
        "reached_one": "{n} persoa chegou ás {threshold} validacións",
        "reached_other": "{n} persoas chegaron ás {threshold} validacións",
        "history": "Progreso no tempo",
        "history_intro": "Unha liña por benchmark, un punto por descarga.",
        "completed_records": "Ítems completados",
        "submitted_responses": "Respostas enviadas",
        "history_chart_desc": "{metric} por benchmark ao longo do tempo, do {start} ao {end}.",
        "completion": "Avance por benchmark",
        "completion_intro": "Ítems completados sobre o total de cada benchmark.",
        "completed": "Completados",
        "pending": "Pendentes",
        "other": "Outros",
        "completion_chart_desc": "Barras apiladas de ítems completados e pendentes por benchmark.",
        "of_total": "{done} de {total}",
        "annotators": "Anotadores",
        "leaderboard": "Clasificación",
        "leaderboard_intro": "Cada validación conta. Grazas a todas as persoas que participaron!",
        "volunteer": "Voluntario/a",
        "validations": "Validacións",
        "per_benchmark": "Por benchmark",
        "agreement_with_consensus": "Acordo co consenso",
        "phantom_corrections": "Correccións fantasma",
        "gold_accuracy": "Acerto en ouro",
        "care_intro": (
            "O coidado conta tanto coma os clics: xunto a cada reconto amósanse o acordo co "
            "consenso e as correccións fantasma (“corrixido” deixando o texto da tradución "
            "automática)."
        ),
        "milestones": "Fitos",
        "top_volunteers": "As {n} persoas con máis validacións",
        "leaderboard_chart_desc": "Validacións das {n} persoas con máis validacións, cos "
        "limiares da campaña como liñas verticais.",
        "threshold_line": "{threshold} validacións",
        "reached_badge_title": "Chegou ás {threshold} validacións",
        "agreement": "Acordo entre anotadores",
        "agreement_intro": "α de Krippendorff sobre os veredictos, co seu intervalo de "
        "confianza. α ≥ 0,8 é fiable, α ≥ 0,667 permite conclusións provisionais e un valor "
        "menor é demasiado baixo para fiarse.",
        "agreement_chart_desc": "Alfa de Krippendorff por benchmark: un punto co seu "
        "intervalo de confianza; liñas de referencia en 0,667 e 0,8.",
        "items": "Ítems",
        "ratings": "Valoracións",
        "interval": "Intervalo de confianza",
        "percent_agreement": "Acordo observado",
        "reading": "Lectura",
        "reading_reliable": "Fiable",
        "reading_tentative": "Provisional",
        "reading_low": "Baixo",
        "reading_na": "Datos insuficientes",
        "verdicts": "Veredictos",
        "verdicts_intro": "Como xulgaron os anotadores a tradución automática.",
        "verdicts_chart_desc": "Proporción de cada veredicto por benchmark.",
        "errors": "Tipos de erro",
        "mt_quality": "Calidade da tradución automática",
        "errors_intro": "Que fallaba nas traducións que houbo que corrixir.",
        "errors_chart_desc": "Número de veces que se marcou cada tipo de erro.",
        # automatic triage (annotate.triage)
        "triage": "Cribado automático",
        "triage_intro": (
            "Que ben anticipou cada comprobación automática, feita antes ca as persoas, o que "
            "atoparon os voluntarios. Precisión: dos ítems que marcou, a parte que se corrixiu ou"
            " se declarou inservible. Exhaustividade: deses ítems, a parte que marcou. Só contan "
            "os ítems xa resoltos."
        ),
        "triage_chart_desc": (
            "Precisión e exhaustividade de cada comprobación automática fronte aos veredictos."
        ),
        "check": "Comprobación",
        "flagged": "Marcados",
        "precision": "Precisión",
        "recall": "Exhaustividade",
        "true_positives": "Confirmados",
        "false_positives": "Falsas alarmas",
        "false_negatives": "Omitidos",
        "check.language": "Lingua equivocada",
        "check.untranslated": "Sen traducir",
        "check.numbers": "Números, unidades, ligazóns",
        "check.length_ratio": "Lonxitude inusual",
        "check.choices": "Opcións baleiras ou repetidas",
        "check.giveaway": "Resposta delatada",
        "check.any": "Calquera",
        "count": "Reconto",
        "category": "Tipo",
        "disagreements": "Ítems con máis desacordo",
        "disagreements_intro": "Os {n} ítems nos que menos coincidiron os anotadores: bos "
        "candidatos para unha segunda revisión.",
        "item": "Ítem",
        "question": "Pregunta",
        "votes": "Votos",
        "agreement_short": "Acordo",
        "status": "Estado",
        "footer": "Informe estático xerado por annotate. Funciona sen conexión e non carga "
        "nada da rede.",
        "verdict.correct": "Correcta",
        "verdict.corrected": "Corrixida",
        "verdict.unusable": "Inservible",
        "error.mistranslation": "Tradución errónea",
        "error.omission_addition": "Omisión ou adición",
        "error.grammar_spelling": "Gramática ou ortografía",
        "error.terminology": "Terminoloxía",
        "error.untranslated": "Sen traducir",
        "error.answer_changed": "Resposta alterada",
        "error.cultural_adaptation": "Adaptación cultural",
        "status.validated": "Validado",
        "status.corrected": "Corrixido",
        "status.unusable": "Inservible",
        "status.needs_review": "Require revisión",
        "status.unannotated": "Sen anotar",
    },
    "eu": {
        "html_lang": "eu",
        "report_title": "{campaign}: kanpainaren txostena",
        "report_kicker": "Itzulitako benchmarken balidazio komunitarioa",
        "generated_at": "Sortze-data: {when}",
        "campaign_language": "Kanpainaren hizkuntza: {language}",
        "contents": "Edukia",
        "no_data": "Oraindik ez dago daturik. Lehen deskargaren (pull) ondoren agertuko dira.",
        "na": "ez dago",
        "overall": "Orokorra",
        "total": "Guztira",
        "latest": "azkena",
        "summary": "Laburpena",
        "kpi_records": "Itemak",
        "kpi_completed": "Osatuak",
        "kpi_responses": "Bidalitako erantzunak",
        "kpi_volunteers": "Boluntarioak",
        "kpi_alpha": "Krippendorff-en α orokorra",
        "reached_one": "{n} pertsonak {threshold} balidazio lortu ditu",
        "reached_other": "{n} pertsonak {threshold} balidazio lortu dituzte",
        "history": "Aurrerapena denboran zehar",
        "history_intro": "Lerro bat benchmark bakoitzeko, puntu bat deskarga bakoitzeko.",
        "completed_records": "Osatutako itemak",
        "submitted_responses": "Bidalitako erantzunak",
        "history_chart_desc": "{metric} benchmark bakoitzeko denboran zehar, {start} "
        "egunetik {end} egunera.",
        "completion": "Aurrerapena benchmark bakoitzeko",
        "completion_intro": "Osatutako itemak, benchmark bakoitzaren guztizkoaren gainean.",
        "completed": "Osatuak",
        "pending": "Egiteke",
        "other": "Besteak",
        "completion_chart_desc": "Benchmark bakoitzeko item osatuen eta egitekoen barra pilatuak.",
        "of_total": "{done} / {total}",
        "annotators": "Anotatzaileak",
        "leaderboard": "Sailkapena",
        "leaderboard_intro": "Balidazio bakoitzak balio du. Eskerrik asko parte hartu duzuen "
        "guztioi!",
        "volunteer": "Boluntarioa",
        "validations": "Balidazioak",
        "per_benchmark": "Benchmark bakoitzeko",
        "agreement_with_consensus": "Adostasuna kontsentsuarekin",
        "phantom_corrections": "Zuzenketa mamuak",
        "gold_accuracy": "Urre-zehaztasuna",
        "care_intro": (
            "Arreta klikak bezain garrantzitsua da: zenbaketa bakoitzaren ondoan "
            "kontsentsuarekiko adostasuna eta zuzenketa mamuak (“zuzendua” itzulpen "
            "automatikoaren testua utzita) ageri dira."
        ),
        "milestones": "Mugarriak",
        "top_volunteers": "Balidazio gehien dituzten {n} pertsonak",
        "leaderboard_chart_desc": "Balidazio gehien dituzten {n} pertsonen balidazioak, "
        "kanpainaren atalaseak lerro bertikal gisa.",
        "threshold_line": "{threshold} balidazio",
        "reached_badge_title": "{threshold} balidazio lortu ditu",
        "agreement": "Anotatzaileen arteko adostasuna",
        "agreement_intro": "Krippendorff-en α epaien gainean, bere konfiantza-tartearekin. "
        "α ≥ 0,8 fidagarria da, α ≥ 0,667 behin-behineko ondorioetarako nahikoa da, eta "
        "txikiagoa baxuegia da.",
        "agreement_chart_desc": "Krippendorff-en alfa benchmark bakoitzeko: puntu bat bere "
        "konfiantza-tartearekin; erreferentzia-lerroak 0,667an eta 0,8an.",
        "items": "Itemak",
        "ratings": "Balorazioak",
        "interval": "Konfiantza-tartea",
        "percent_agreement": "Behatutako adostasuna",
        "reading": "Irakurketa",
        "reading_reliable": "Fidagarria",
        "reading_tentative": "Behin-behinekoa",
        "reading_low": "Baxua",
        "reading_na": "Datu nahikorik ez",
        "verdicts": "Epaiak",
        "verdicts_intro": "Nola epaitu duten anotatzaileek itzulpen automatikoa.",
        "verdicts_chart_desc": "Epai bakoitzaren proportzioa benchmark bakoitzeko.",
        "errors": "Errore motak",
        "mt_quality": "Itzulpen automatikoaren kalitatea",
        "errors_intro": "Zer zegoen gaizki zuzendu behar izan ziren itzulpenetan.",
        "errors_chart_desc": "Errore mota bakoitza zenbat aldiz markatu den.",
        # automatic triage (annotate.triage)
        "triage": "Baheketa automatikoa",
        "triage_intro": (
            "Pertsonen aurretik egindako egiaztapen automatiko bakoitzak zenbateraino aurreratu "
            "zuen boluntarioek aurkitutakoa. Zehaztasuna: markatutako itemetatik, zuzendu edo "
            "erabilezintzat jo zirenen zatia. Estaldura: item horietatik, markatu zuenaren zatia."
            " Ebatzitako itemak soilik zenbatzen dira."
        ),
        "triage_chart_desc": (
            "Egiaztapen automatiko bakoitzaren zehaztasuna eta estaldura, epaien aldean."
        ),
        "check": "Egiaztapena",
        "flagged": "Markatuak",
        "precision": "Zehaztasuna",
        "recall": "Estaldura",
        "true_positives": "Baieztatuak",
        "false_positives": "Alarma faltsuak",
        "false_negatives": "Galduak",
        "check.language": "Hizkuntza okerra",
        "check.untranslated": "Itzuli gabe",
        "check.numbers": "Zenbakiak, unitateak, estekak",
        "check.length_ratio": "Luzera ezohikoa",
        "check.choices": "Aukera hutsak edo errepikatuak",
        "check.giveaway": "Erantzuna salatua",
        "check.any": "Edozein",
        "count": "Kopurua",
        "category": "Mota",
        "disagreements": "Desadostasun handieneko itemak",
        "disagreements_intro": "Anotatzaileak gutxien bat etorri diren {n} itemak: bigarren "
        "berrikuspen baterako hautagai onak.",
        "item": "Itema",
        "question": "Galdera",
        "votes": "Botoak",
        "agreement_short": "Adostasuna",
        "status": "Egoera",
        "footer": "annotate-k sortutako txosten estatikoa. Konexiorik gabe dabil eta ez du "
        "ezer kargatzen saretik.",
        "verdict.correct": "Zuzena",
        "verdict.corrected": "Zuzendua",
        "verdict.unusable": "Erabilezina",
        "error.mistranslation": "Itzulpen okerra",
        "error.omission_addition": "Zerbait falta edo soberan",
        "error.grammar_spelling": "Gramatika edo ortografia",
        "error.terminology": "Terminologia",
        "error.untranslated": "Itzuli gabe",
        "error.answer_changed": "Erantzuna aldatuta",
        "error.cultural_adaptation": "Egokitzapen kulturala",
        "status.validated": "Balidatua",
        "status.corrected": "Zuzendua",
        "status.unusable": "Erabilezina",
        "status.needs_review": "Berrikusi behar da",
        "status.unannotated": "Anotatu gabe",
    },
    "pt": {
        "html_lang": "pt",
        "report_title": "{campaign}: relatório da campanha",
        "report_kicker": "Validação comunitária de benchmarks traduzidos",
        "generated_at": "Gerado em {when}",
        "campaign_language": "Idioma da campanha: {language}",
        "contents": "Conteúdo",
        "no_data": "Ainda não há dados. Vão aparecer aqui depois da primeira descarga (pull).",
        "na": "n/d",
        "overall": "Geral",
        "total": "Total",
        "latest": "último",
        "summary": "Resumo",
        "kpi_records": "Itens",
        "kpi_completed": "Concluídos",
        "kpi_responses": "Respostas enviadas",
        "kpi_volunteers": "Voluntários",
        "kpi_alpha": "α de Krippendorff geral",
        "reached_one": "{n} pessoa atingiu as {threshold} validações",
        "reached_other": "{n} pessoas atingiram as {threshold} validações",
        "history": "Progresso ao longo do tempo",
        "history_intro": "Uma linha por benchmark, um ponto por descarga.",
        "completed_records": "Itens concluídos",
        "submitted_responses": "Respostas enviadas",
        "history_chart_desc": "{metric} por benchmark ao longo do tempo, de {start} a {end}.",
        "completion": "Avanço por benchmark",
        "completion_intro": "Itens concluídos sobre o total de cada benchmark.",
        "completed": "Concluídos",
        "pending": "Pendentes",
        "other": "Outros",
        "completion_chart_desc": "Barras empilhadas de itens concluídos e pendentes por benchmark.",
        "of_total": "{done} de {total}",
        "annotators": "Anotadores",
        "leaderboard": "Classificação",
        "leaderboard_intro": "Cada validação conta. Obrigado a todas as pessoas que participaram!",
        "volunteer": "Voluntário/a",
        "validations": "Validações",
        "per_benchmark": "Por benchmark",
        "agreement_with_consensus": "Concordância com o consenso",
        "phantom_corrections": "Correções fantasma",
        "gold_accuracy": "Acerto no ouro",
        "care_intro": (
            "O cuidado conta tanto quanto os cliques: ao lado de cada contagem mostram-se a "
            "concordância com o consenso e as correções fantasma (“corrigido” deixando o texto da"
            " tradução automática)."
        ),
        "milestones": "Marcos",
        "top_volunteers": "As {n} pessoas com mais validações",
        "leaderboard_chart_desc": "Validações das {n} pessoas com mais validações, com os "
        "limiares da campanha como linhas verticais.",
        "threshold_line": "{threshold} validações",
        "reached_badge_title": "Atingiu as {threshold} validações",
        "agreement": "Concordância entre anotadores",
        "agreement_intro": "α de Krippendorff sobre os veredictos, com o seu intervalo de "
        "confiança. α ≥ 0,8 é fiável, α ≥ 0,667 permite conclusões provisórias e um valor "
        "menor é baixo demais para se confiar.",
        "agreement_chart_desc": "Alfa de Krippendorff por benchmark: um ponto com o seu "
        "intervalo de confiança como bigode; linhas de referência em 0,667 e 0,8.",
        "items": "Itens",
        "ratings": "Avaliações",
        "interval": "Intervalo de confiança",
        "percent_agreement": "Concordância observada",
        "reading": "Leitura",
        "reading_reliable": "Fiável",
        "reading_tentative": "Provisória",
        "reading_low": "Baixa",
        "reading_na": "Dados insuficientes",
        "verdicts": "Veredictos",
        "verdicts_intro": "Como os anotadores julgaram a tradução automática.",
        "verdicts_chart_desc": "Proporção de cada veredicto por benchmark.",
        "errors": "Tipos de erro",
        "mt_quality": "Qualidade da tradução automática",
        "errors_intro": "O que estava errado nas traduções que foi preciso corrigir.",
        "errors_chart_desc": "Número de vezes que cada tipo de erro foi marcado.",
        # automatic triage (annotate.triage)
        "triage": "Triagem automática",
        "triage_intro": (
            "Quão bem cada verificação automática, feita antes das pessoas, antecipou o que os "
            "voluntários encontraram. Precisão: dos itens que marcou, a parte que foi corrigida "
            "ou declarada inutilizável. Revocação: desses itens, a parte que marcou. Só contam os"
            " itens já resolvidos."
        ),
        "triage_chart_desc": (
            "Precisão e revocação de cada verificação automática frente aos veredictos."
        ),
        "check": "Verificação",
        "flagged": "Marcados",
        "precision": "Precisão",
        "recall": "Revocação",
        "true_positives": "Confirmados",
        "false_positives": "Alarmes falsos",
        "false_negatives": "Perdidos",
        "check.language": "Idioma errado",
        "check.untranslated": "Não traduzido",
        "check.numbers": "Números, unidades, links",
        "check.length_ratio": "Comprimento incomum",
        "check.choices": "Opções vazias ou repetidas",
        "check.giveaway": "Resposta entregue",
        "check.any": "Qualquer uma",
        "count": "Contagem",
        "category": "Tipo",
        "disagreements": "Itens com mais desacordo",
        "disagreements_intro": "Os {n} itens em que os anotadores menos concordaram: bons "
        "candidatos para uma segunda revisão.",
        "item": "Item",
        "question": "Pergunta",
        "votes": "Votos",
        "agreement_short": "Concordância",
        "status": "Estado",
        "footer": "Relatório estático gerado pelo annotate. Funciona sem ligação e não "
        "carrega nada da rede.",
        "verdict.correct": "Correta",
        "verdict.corrected": "Corrigida",
        "verdict.unusable": "Inutilizável",
        "error.mistranslation": "Tradução errada",
        "error.omission_addition": "Omissão ou acréscimo",
        "error.grammar_spelling": "Gramática ou ortografia",
        "error.terminology": "Terminologia",
        "error.untranslated": "Não traduzido",
        "error.answer_changed": "Resposta alterada",
        "error.cultural_adaptation": "Adaptação cultural",
        "status.validated": "Validado",
        "status.corrected": "Corrigido",
        "status.unusable": "Inutilizável",
        "status.needs_review": "Precisa de revisão",
        "status.unannotated": "Sem anotação",
    },
}

LANGUAGES: tuple[str, ...] = tuple(STRINGS)


def resolve_lang(lang: str | None) -> str:
    """Map a campaign language ('es', 'es-AR', 'ES_es') to a supported one, else English."""
    base = (lang or "").strip().replace("_", "-").split("-")[0].lower()
    return base if base in STRINGS else DEFAULT_LANG


def t(lang: str, key: str, **values: object) -> str:
    """The string `key` in `lang` (English when that language lacks it), formatted."""
    table = STRINGS.get(resolve_lang(lang), {})
    text = table.get(key, STRINGS[DEFAULT_LANG].get(key, key))
    return text.format(**values) if values else text


def plural(lang: str, key: str, n: int, **values: object) -> str:
    """`key_one` or `key_other` depending on n (all supported languages pluralise alike)."""
    return t(lang, f"{key}_one" if n == 1 else f"{key}_other", n=fmt_int(n, lang), **values)


def label(lang: str, kind: str, value: str) -> str:
    """A verdict/error/status name for people; an unknown value is shown as it is."""
    key = f"{kind}.{value}"
    table = STRINGS.get(resolve_lang(lang), {})
    return table.get(key) or STRINGS[DEFAULT_LANG].get(key) or value


def fmt_int(n: float | int | None, lang: str) -> str:
    """An integer with the language's thousands separator ('1,234' / '1.234')."""
    if n is None or (isinstance(n, float) and not math.isfinite(n)):
        return t(lang, "na")
    sep = _NUMBER_STYLE[resolve_lang(lang)][0]
    return f"{round(n):,}".replace(",", sep)


def fmt_float(x: float | None, lang: str, digits: int = 2) -> str:
    """A decimal with the language's decimal mark ('0.85' / '0,85'); NaN is 'n/a'."""
    if x is None or not math.isfinite(x):
        return t(lang, "na")
    thousands, decimal, _ = _NUMBER_STYLE[resolve_lang(lang)]
    text = f"{x:,.{digits}f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def fmt_pct(fraction: float | None, lang: str, digits: int = 0) -> str:
    """A fraction (0..1) as a percentage written the language's way ('85%', '85 %', '% 85')."""
    if fraction is None or not math.isfinite(fraction):
        return t(lang, "na")
    return _NUMBER_STYLE[resolve_lang(lang)][2].format(fmt_float(fraction * 100, lang, digits))


# Language names as their speakers write them (the campaign language in the page header).
_LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "es": "español",
    "ca": "català",
    "eu": "euskara",
    "gl": "galego",
    "pt": "português",
    "fr": "français",
    "it": "italiano",
    "de": "Deutsch",
}


def language_name(code: str) -> str:
    """'es' -> 'español'; an unknown code is shown as given."""
    base = (code or "").strip().replace("_", "-").split("-")[0].lower()
    return _LANGUAGE_NAMES.get(base, code)


def _merge_stage_strings() -> None:
    """Stages with a report section of their own keep its strings next to their code."""
    from annotate.review_texts import REPORT_STRINGS

    for code, table in REPORT_STRINGS.items():
        STRINGS.setdefault(code, {}).update(table)


_merge_stage_strings()
