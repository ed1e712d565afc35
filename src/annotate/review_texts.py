"""What reviewers read in the review datasets, per language (es, ca, gl, eu, pt, en).

Kept apart from review.py so the logic reads without 200 lines of prose; adding a
language is adding one dict. Missing keys fall back to English (review.texts).
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "translation": "Machine translation",
        "candidates": "Candidate corrections",
        "notes": "Why it is here: problems and comments",
        "decision": "Your decision",
        "decision_help": "It settles the item and overrides the annotators' votes. A "
        "candidate is chosen by its number in the list; any correction must still keep "
        "the choices distinct and none empty.",
        "correction_help": "Used only with 'My own correction'. It starts as the leading "
        "candidate: edit what is wrong and keep every [[...]] line as it is.",
        "comment_help": "Optional: why you decided so.",
        "mt": "The machine translation is right",
        "candidate": "Candidate {n} is right",
        "own": "My own correction (below)",
        "candidate_head": "Candidate {n}",
        "written_by": "written by {n} annotator(s)",
        "no_candidates": "No annotator proposed a correction.",
        "withheld": "{n} correction(s) withheld: they hold an e-mail address or a key.",
        "more": "{n} more candidate(s) (not selectable; copy one into your own correction):",
        "broken": "its [[...]] lines are broken: it cannot be applied as it is",
        "its_problems": "problems",
        "dispute": "The annotators did not settle this item.",
        "audit": "Audit: the annotators accepted this item. Check it again.",
        "votes": "Votes",
        "problems": "Problems found",
        "comments": "Annotators' comments",
        "guidelines": "You settle the items the annotators could not agree on, and "
        "re-check a random sample of the ones they accepted. Read the original and the "
        "machine translation, then the candidate corrections (with how many annotators "
        "wrote each) and the problems found. Choose what is right, or write your own "
        "correction. Your decision overrides the votes, but a correction must still pass "
        "the same checks as the annotators' (same choices, none empty or duplicated).",
    },
    "es": {
        "translation": "Traducción automática",
        "candidates": "Correcciones propuestas",
        "notes": "Por qué está aquí: problemas y comentarios",
        "decision": "Tu decisión",
        "decision_help": "Resuelve el ítem y prevalece sobre los votos. Elige una "
        "propuesta por su número en la lista; toda corrección debe mantener las opciones "
        "distintas y ninguna vacía.",
        "correction_help": "Solo se usa con «Mi propia corrección». Empieza con la "
        "propuesta más votada: edita lo que esté mal y deja cada línea [[...]] tal cual.",
        "comment_help": "Opcional: por qué lo decidiste.",
        "mt": "La traducción automática es correcta",
        "candidate": "La propuesta {n} es correcta",
        "own": "Mi propia corrección (abajo)",
        "candidate_head": "Propuesta {n}",
        "written_by": "escrita por {n} anotador(es)",
        "no_candidates": "Nadie propuso una corrección.",
        "withheld": "{n} corrección(es) retenida(s): contienen un correo o una clave.",
        "more": "{n} propuesta(s) más (no seleccionables; cópiala en tu corrección):",
        "broken": "sus líneas [[...]] están rotas: no se puede aplicar tal cual",
        "its_problems": "problemas",
        "dispute": "Los anotadores no resolvieron este ítem.",
        "audit": "Auditoría: los anotadores aceptaron este ítem. Revísalo de nuevo.",
        "votes": "Votos",
        "problems": "Problemas encontrados",
        "comments": "Comentarios de los anotadores",
        "guidelines": "Resuelves los ítems en los que los anotadores no se pusieron de "
        "acuerdo y revisas una muestra al azar de los que aceptaron. Lee el original y la "
        "traducción automática, luego las correcciones propuestas (con cuántos anotadores "
        "escribieron cada una) y los problemas encontrados. Elige lo correcto o escribe tu "
        "propia corrección. Tu decisión prevalece sobre los votos, pero una corrección "
        "debe pasar las mismas comprobaciones (mismas opciones, ninguna vacía ni repetida).",
    },
    "ca": {
        "translation": "Traducció automàtica",
        "candidates": "Correccions proposades",
        "notes": "Per què és aquí: problemes i comentaris",
        "decision": "La teva decisió",
        "decision_help": "Resol l'ítem i preval sobre els vots. Tria una proposta pel seu "
        "número a la llista; tota correcció ha de mantenir les opcions diferents i cap buida.",
        "correction_help": "Només s'usa amb «La meva correcció». Comença amb la proposta "
        "més votada: edita el que estigui malament i deixa cada línia [[...]] tal com és.",
        "comment_help": "Opcional: per què ho has decidit.",
        "mt": "La traducció automàtica és correcta",
        "candidate": "La proposta {n} és correcta",
        "own": "La meva correcció (a sota)",
        "candidate_head": "Proposta {n}",
        "written_by": "escrita per {n} anotador(s)",
        "no_candidates": "Ningú no ha proposat cap correcció.",
        "withheld": "{n} correcció(ns) retinguda(es): contenen un correu o una clau.",
        "more": "{n} proposta(es) més (no seleccionables; copia-la a la teva correcció):",
        "broken": "les seves línies [[...]] estan trencades: no es pot aplicar tal com és",
        "its_problems": "problemes",
        "dispute": "Els anotadors no han resolt aquest ítem.",
        "audit": "Auditoria: els anotadors han acceptat aquest ítem. Revisa'l de nou.",
        "votes": "Vots",
        "problems": "Problemes trobats",
        "comments": "Comentaris dels anotadors",
        "guidelines": "Resols els ítems en què els anotadors no s'han posat d'acord i "
        "revises una mostra a l'atzar dels que han acceptat. Llegeix l'original i la "
        "traducció automàtica, després les correccions proposades i els problemes trobats. "
        "Tria el que és correcte o escriu la teva correcció. La teva decisió preval sobre "
        "els vots, però una correcció ha de passar les mateixes comprovacions.",
    },
    "gl": {
        "translation": "Tradución automática",
        "candidates": "Correccións propostas",
        "notes": "Por que está aquí: problemas e comentarios",
        "decision": "A túa decisión",
        "decision_help": "Resolve o ítem e prevalece sobre os votos. Escolle unha "
        "proposta polo seu número na lista; toda corrección debe manter as opcións "
        "distintas e ningunha baleira.",
        "correction_help": "Só se usa con «A miña corrección». Comeza coa proposta máis "
        "votada: edita o que estea mal e deixa cada liña [[...]] tal como está.",
        "comment_help": "Opcional: por que o decidiches.",
        "mt": "A tradución automática é correcta",
        "candidate": "A proposta {n} é correcta",
        "own": "A miña corrección (abaixo)",
        "candidate_head": "Proposta {n}",
        "written_by": "escrita por {n} anotador(es)",
        "no_candidates": "Ninguén propuxo unha corrección.",
        "withheld": "{n} corrección(s) retida(s): conteñen un correo ou unha clave.",
        "more": "{n} proposta(s) máis (non seleccionables; cópiaa na túa corrección):",
        "broken": "as súas liñas [[...]] están rotas: non se pode aplicar tal como está",
        "its_problems": "problemas",
        "dispute": "Os anotadores non resolveron este ítem.",
        "audit": "Auditoría: os anotadores aceptaron este ítem. Revísao de novo.",
        "votes": "Votos",
        "problems": "Problemas atopados",
        "comments": "Comentarios dos anotadores",
        "guidelines": "Resolves os ítems nos que os anotadores non chegaron a un acordo e "
        "revisas unha mostra ao chou dos que aceptaron. Le o orixinal e a tradución "
        "automática, logo as correccións propostas e os problemas atopados. Escolle o "
        "correcto ou escribe a túa corrección. A túa decisión prevalece sobre os votos, "
        "pero unha corrección debe pasar as mesmas comprobacións.",
    },
    "eu": {
        "translation": "Itzulpen automatikoa",
        "candidates": "Proposatutako zuzenketak",
        "notes": "Zergatik dago hemen: arazoak eta iruzkinak",
        "decision": "Zure erabakia",
        "decision_help": "Itema ebazten du eta botoen gainetik dago. Aukeratu proposamen "
        "bat zerrendako zenbakiaren bidez; zuzenketa orok aukerak desberdin eta beteta "
        "utzi behar ditu.",
        "correction_help": "'Nire zuzenketa' aukerarekin soilik erabiltzen da. Boto "
        "gehien dituen proposamenarekin hasten da: aldatu gaizki dagoena eta utzi [[...]] "
        "lerro bakoitza dagoen bezala.",
        "comment_help": "Aukerakoa: zergatik erabaki duzun.",
        "mt": "Itzulpen automatikoa zuzena da",
        "candidate": "{n}. proposamena zuzena da",
        "own": "Nire zuzenketa (behean)",
        "candidate_head": "{n}. proposamena",
        "written_by": "{n} anotatzailek idatzia",
        "no_candidates": "Inork ez du zuzenketarik proposatu.",
        "withheld": "{n} zuzenketa atxikita: helbide elektroniko edo gako bat dute.",
        "more": "{n} proposamen gehiago (ezin dira aukeratu; kopiatu zure zuzenketan):",
        "broken": "bere [[...]] lerroak hautsita daude: ezin da dagoen bezala aplikatu",
        "its_problems": "arazoak",
        "dispute": "Anotatzaileek ez dute item hau ebatzi.",
        "audit": "Auditoria: anotatzaileek item hau onartu zuten. Berrikusi berriro.",
        "votes": "Botoak",
        "problems": "Aurkitutako arazoak",
        "comments": "Anotatzaileen iruzkinak",
        "guidelines": "Anotatzaileek adostu ez dituzten itemak ebazten dituzu, eta "
        "onartutakoen ausazko lagin bat berrikusten duzu. Irakurri jatorrizkoa eta "
        "itzulpen automatikoa, gero proposatutako zuzenketak eta aurkitutako arazoak. "
        "Aukeratu zuzena dena edo idatzi zure zuzenketa. Zure erabakia botoen gainetik "
        "dago, baina zuzenketak egiaztapen berberak gainditu behar ditu.",
    },
    "pt": {
        "translation": "Tradução automática",
        "candidates": "Correções propostas",
        "notes": "Por que está aqui: problemas e comentários",
        "decision": "Sua decisão",
        "decision_help": "Resolve o item e prevalece sobre os votos. Escolha uma "
        "proposta pelo número na lista; toda correção deve manter as opções distintas e "
        "nenhuma vazia.",
        "correction_help": "Usada só com «Minha própria correção». Começa com a proposta "
        "mais votada: edite o que estiver errado e mantenha cada linha [[...]] como está.",
        "comment_help": "Opcional: por que você decidiu assim.",
        "mt": "A tradução automática está correta",
        "candidate": "A proposta {n} está correta",
        "own": "Minha própria correção (abaixo)",
        "candidate_head": "Proposta {n}",
        "written_by": "escrita por {n} anotador(es)",
        "no_candidates": "Ninguém propôs uma correção.",
        "withheld": "{n} correção(ões) retida(s): contêm um e-mail ou uma chave.",
        "more": "{n} proposta(s) a mais (não selecionáveis; copie-a na sua correção):",
        "broken": "suas linhas [[...]] estão quebradas: não pode ser aplicada como está",
        "its_problems": "problemas",
        "dispute": "Os anotadores não resolveram este item.",
        "audit": "Auditoria: os anotadores aceitaram este item. Verifique-o de novo.",
        "votes": "Votos",
        "problems": "Problemas encontrados",
        "comments": "Comentários dos anotadores",
        "guidelines": "Você resolve os itens em que os anotadores não chegaram a acordo e "
        "revisa uma amostra aleatória dos que eles aceitaram. Leia o original e a tradução "
        "automática, depois as correções propostas e os problemas encontrados. Escolha o "
        "que está certo ou escreva sua própria correção. Sua decisão prevalece sobre os "
        "votos, mas uma correção deve passar pelas mesmas verificações.",
    },
}

# The report's review section (merged into annotate.i18n.STRINGS).
REPORT_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "review": "Review",
        "review_intro": "Items the annotators could not settle go to reviewers, with a random "
        "audit sample of the accepted ones. Pending: no decision yet; settled: a reviewer "
        "decided (as of the latest pull).",
        "review_records": "In review",
        "review_pending": "Pending",
        "review_settled": "Settled",
        "reviewers_active": "Reviewers active",
        "review_audit": "Reviewers re-checked {n} accepted items and changed {k}: the crowd's "
        "error rate on accepted items is {rate} (95% Wilson interval {low} – {high}).",
    },
    "es": {
        "review": "Revisión",
        "review_intro": "Los ítems que los anotadores no resolvieron pasan a revisión, con una "
        "muestra de auditoría al azar de los aceptados. Pendientes: sin decisión aún; "
        "resueltos: un revisor decidió (según la última descarga).",
        "review_records": "En revisión",
        "review_pending": "Pendientes",
        "review_settled": "Resueltos",
        "reviewers_active": "Revisores activos",
        "review_audit": "Los revisores volvieron a comprobar {n} ítems aceptados y cambiaron "
        "{k}: la tasa de error de los anotadores en los ítems aceptados es {rate} (intervalo "
        "de Wilson al 95 %: {low} – {high}).",
    },
    "ca": {
        "review": "Revisió",
        "review_intro": "Els ítems que els anotadors no han resolt passen a revisió, amb una "
        "mostra d'auditoria a l'atzar dels acceptats.",
        "review_records": "En revisió",
        "review_pending": "Pendents",
        "review_settled": "Resolts",
        "reviewers_active": "Revisors actius",
        "review_audit": "Els revisors han tornat a comprovar {n} ítems acceptats i n'han "
        "canviat {k}: la taxa d'error dels anotadors és {rate} (interval de Wilson al 95 %: "
        "{low} – {high}).",
    },
    "gl": {
        "review": "Revisión",
        "review_intro": "Os ítems que os anotadores non resolveron pasan a revisión, cunha "
        "mostra de auditoría ao chou dos aceptados.",
        "review_records": "En revisión",
        "review_pending": "Pendentes",
        "review_settled": "Resoltos",
        "reviewers_active": "Revisores activos",
        "review_audit": "Os revisores volveron comprobar {n} ítems aceptados e cambiaron {k}: "
        "a taxa de erro dos anotadores é {rate} (intervalo de Wilson ao 95 %: {low} – {high}).",
    },
    "eu": {
        "review": "Berrikuspena",
        "review_intro": "Anotatzaileek ebatzi ez dituzten itemak berrikustera doaz, "
        "onartutakoen ausazko auditoria-lagin batekin.",
        "review_records": "Berrikusten",
        "review_pending": "Zain",
        "review_settled": "Ebatziak",
        "reviewers_active": "Berrikusle aktiboak",
        "review_audit": "Berrikusleek onartutako {n} item egiaztatu eta {k} aldatu dituzte: "
        "anotatzaileen errore-tasa {rate} da (Wilson tartea % 95ean: {low} – {high}).",
    },
    "pt": {
        "review": "Revisão",
        "review_intro": "Os itens que os anotadores não resolveram vão para revisão, com uma "
        "amostra de auditoria aleatória dos aceitos.",
        "review_records": "Em revisão",
        "review_pending": "Pendentes",
        "review_settled": "Resolvidos",
        "reviewers_active": "Revisores ativos",
        "review_audit": "Os revisores reverificaram {n} itens aceitos e mudaram {k}: a taxa de "
        "erro dos anotadores nos itens aceitos é {rate} (intervalo de Wilson de 95%: {low} – "
        "{high}).",
    },
}
