"""The dataset card (README.md) of a published campaign: valid Hub metadata plus the story.

A validated benchmark is only as trustworthy as its documentation: the card says where the
translations came from, what the volunteers were asked, how many looked at each item, how
disagreements were settled and how much they agreed, so users can judge the data and cite it.
Everything here is pure text generation from a `CardContext` built by `annotate.publish`;
the only import is huggingface_hub's `DatasetCardData` (lazily), so the YAML is what the Hub
expects.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotate import review
from annotate.model import STATUSES

OKAPI_CITATION = """@article{dac2023okapi,
  title={Okapi: Instruction-tuned Large Language Models in Multiple Languages with Reinforcement Learning from Human Feedback},
  author={Dac Lai, Viet and Van Nguyen, Chien and Ngo, Nghia Trung and Nguyen, Thuat and Dernoncourt, Franck and Rossi, Ryan A and Nguyen, Thien Huu},
  journal={arXiv e-prints},
  pages={arXiv--2307},
  year={2023}
}"""  # noqa: E501

# Licence ids the Hub knows (https://huggingface.co/docs/hub/repositories-licenses), the
# common ones: anything else is published as `other` with its name kept.
HUB_LICENSES = frozenset(
    {
        "apache-2.0",
        "mit",
        "openrail",
        "bigscience-openrail-m",
        "creativeml-openrail-m",
        "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m",
        "afl-3.0",
        "artistic-2.0",
        "bsl-1.0",
        "bsd",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "c-uda",
        "cc",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cdla-sharing-1.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "wtfpl",
        "ecl-2.0",
        "epl-1.0",
        "epl-2.0",
        "etalab-2.0",
        "eupl-1.1",
        "eupl-1.2",
        "agpl-3.0",
        "gfdl",
        "gpl",
        "gpl-2.0",
        "gpl-3.0",
        "lgpl",
        "lgpl-2.1",
        "lgpl-3.0",
        "isc",
        "h-research",
        "lppl-1.3c",
        "ms-pl",
        "apple-ascl",
        "apple-amlr",
        "mpl-2.0",
        "odc-by",
        "odbl",
        "openmdw-1.0",
        "openrail++",
        "osl-3.0",
        "postgresql",
        "ofl-1.1",
        "ncsa",
        "unlicense",
        "zlib",
        "pddl",
        "lgpl-lr",
        "deepfloyd-if-license",
        "fair-noncommercial-research-license",
        "llama2",
        "llama3",
        "llama3.1",
        "llama3.2",
        "llama3.3",
        "llama4",
        "gemma",
        "other",
        "unknown",
    }
)

STATUS_MEANING = {
    "validated": "the volunteers judged the machine translation correct; published unchanged",
    "corrected": "published with the volunteers' correction; the replaced machine "
    "translation is kept in `machine_translation`",
    "unusable": "judged unusable (e.g. the translation changed the answer); left out of "
    "this release",
    "needs_review": "the volunteers disagreed, or a correction failed a check (unreadable, "
    "empty or duplicated choice, personal data); published as the machine translation, "
    "unchanged, not yet settled",
    "unannotated": "fewer submitted reviews than required; kept as machine-translated",
}

METHODS = {
    "majority": "a majority vote over the submitted verdicts; ties are left for review",
    "majority_vote": "a majority vote over the submitted verdicts; ties are left for review",
    "unanimous": "unanimity: an item is settled only when every submitted verdict agrees",
    "dawid_skene": "the Dawid-Skene model (crowd-kit), which weighs each annotator by their "
    "estimated reliability",
    "dawid-skene": "the Dawid-Skene model (crowd-kit), which weighs each annotator by their "
    "estimated reliability",
    "mace": "MACE (crowd-kit), which estimates each annotator's competence",
    "glad": "GLAD (crowd-kit), which models annotator expertise and item difficulty",
    "wawa": "Wawa (crowd-kit): a majority vote weighted by agreement with the majority",
}

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "bn": "Bengali",
    "ca": "Catalan",
    "da": "Danish",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "eu": "Basque",
    "fr": "French",
    "gl": "Galician",
    "gu": "Gujarati",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "hy": "Armenian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "kn": "Kannada",
    "ko": "Korean",
    "ml": "Malayalam",
    "mr": "Marathi",
    "nb": "Norwegian Bokmål",
    "ne": "Nepali",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sr": "Serbian",
    "sv": "Swedish",
    "ta": "Tamil",
    "te": "Telugu",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
    "zh": "Chinese",
}

MAX_CONTRIBUTORS_IN_CARD = 100
REVIEWED = ("validated", "corrected", "unusable")  # statuses settled by volunteers


@dataclass(frozen=True)
class BenchmarkCardInfo:
    """What the card says about one published benchmark config."""

    name: str
    split: str
    path: str  # data file path in the repo
    source: str
    original_source: str | None
    license: str | None
    n_items: int
    n_published: int
    status_counts: Mapping[str, int]
    lm_eval_tasks: Sequence[tuple[str, str]] = ()  # (task name, "all" | "reviewed")
    schema: str | None = None  # the Okapi task it matches (arc, mmlu, hellaswag, truthfulqa)
    columns: Sequence[str] = ()  # the published columns
    reviewed_name: str | None = None  # the config holding only validated/corrected rows
    reviewed_path: str | None = None
    n_reviewed_rows: int = 0

    @property
    def n_reviewed(self) -> int:
        """Items volunteers settled: validated, corrected, or unusable (left out)."""
        return sum(int(self.status_counts.get(s, 0)) for s in REVIEWED)

    @property
    def fully_reviewed(self) -> bool:
        """Every published row was validated or corrected by volunteers."""
        return self.n_published == self.n_reviewed_rows


@dataclass(frozen=True)
class CardContext:
    """Everything the card needs, already computed (card.py does no data work)."""

    campaign: Any  # annotate.publish.CampaignInfo (kept untyped to avoid an import cycle)
    repo_id: str | None
    benchmarks: Sequence[BenchmarkCardInfo]
    agreement: Sequence[Mapping[str, Any]]
    contributors: Sequence[Mapping[str, Any]]  # rank, contributor, submitted (sorted)
    n_responses: int
    n_response_rows: int
    provenance_columns: Mapping[str, str]
    license_ids: Sequence[str] = field(default_factory=list)
    license_names: Sequence[str] = field(default_factory=list)
    mt_quality: Mapping[str, Any] | None = None  # protocol: esa (annotate.esa_quality)
    review: Mapping[str, Any] | None = None  # resolve's review summary (review stage)
    reviewers: Sequence[Mapping[str, Any]] = ()  # rank, reviewer, settled, reviewed


def hub_license(raw: str | None) -> str:
    """A licence as the Hub's id (`CC BY-NC 4.0` -> `cc-by-nc-4.0`), `other` if unknown."""
    if not raw or not raw.strip():
        return "unknown"
    slug = re.sub(r"[\s_]+", "-", raw.strip().lower()).removesuffix("-license")
    slug = re.sub(r"-+", "-", slug.replace("creative-commons-", "cc-"))
    return slug if slug in HUB_LICENSES else "other"


def size_category(n: int) -> str:
    """The Hub's size bucket for n rows."""
    bounds = [
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
        (100_000_000, "10M<n<100M"),
        (1_000_000_000, "100M<n<1B"),
    ]
    for bound, label in bounds:
        if n < bound:
            return label
    return "1B<n<10B"


def is_okapi(*texts: str | None) -> bool:
    """Whether a source description points at the Okapi translations (cite them then)."""
    pattern = re.compile(r"okapi|alexandrainst/m_|\bm_(arc|mmlu|truthfulqa|hellaswag)_", re.I)
    return any(t and pattern.search(t) for t in texts)


def card_metadata(ctx: CardContext) -> dict[str, Any]:
    """The YAML front matter, as a dict in the Hub's vocabulary."""
    from huggingface_hub import DatasetCardData

    c = ctx.campaign
    configs: list[dict[str, Any]] = []
    for i, b in enumerate(ctx.benchmarks):
        configs.append(
            {"config_name": b.name, "data_files": [{"split": b.split, "path": b.path}]}
            | ({"default": True} if i == 0 else {})
        )
        if b.reviewed_name:
            configs.append(
                {
                    "config_name": b.reviewed_name,
                    "data_files": [{"split": b.split, "path": b.reviewed_path}],
                }
            )
    configs += [
        {
            "config_name": "responses",
            "data_files": [{"split": "train", "path": "data/responses/train-*.parquet"}],
        },
        {
            "config_name": "contributors",
            "data_files": [{"split": "train", "path": "data/contributors/train-*.parquet"}],
        },
    ]
    if ctx.reviewers:
        configs.append(
            {
                "config_name": "reviewers",
                "data_files": [{"split": "train", "path": "data/reviewers/train-*.parquet"}],
            }
        )
    licenses = list(ctx.license_ids) or ["unknown"]
    extra: dict[str, Any] = {}
    if "other" in licenses and ctx.license_names:
        extra["license_name"] = re.sub(r"[^a-z0-9.-]+", "-", ctx.license_names[0].lower())
    if ctx.mt_quality:  # protocol: esa: the figures leaderboards can read
        from annotate.esa_quality import card_metadata as mt_metadata

        extra["mt_quality"] = mt_metadata(ctx.mt_quality)
    n_rows = sum(b.n_published for b in ctx.benchmarks)
    data = DatasetCardData(
        pretty_name=pretty_name(ctx),
        language=[c.language],
        license=licenses[0] if len(licenses) == 1 else licenses,
        annotations_creators=["crowdsourced"],
        language_creators=["machine-generated", "crowdsourced"],
        multilinguality=["monolingual"],
        size_categories=[size_category(n_rows)],
        task_categories=["question-answering", "multiple-choice"],
        task_ids=["multiple-choice-qa"],
        tags=["machine-translation", _review_tag(ctx), "benchmark", "argilla"]
        + (["okapi"] if any(is_okapi(b.source, b.original_source) for b in ctx.benchmarks) else []),
        configs=configs,
        annotation_coverage=coverage_metadata(ctx),
        **extra,
    )
    return data.to_dict()


def coverage_metadata(ctx: CardContext) -> dict[str, Any]:
    """Review coverage as YAML-readable numbers: overall, per status and per benchmark.

    `reviewed` counts the items volunteers settled (validated, corrected or unusable);
    `reviewed_rows` the published rows they validated or corrected (the `_reviewed` configs).
    """

    def block(items: int, reviewed: int, rows: int, published: int, counts: Mapping) -> dict:
        return {
            "items": items,
            "reviewed": reviewed,
            "reviewed_share": round(reviewed / items, 4) if items else 0.0,
            "published_rows": published,
            "reviewed_rows": rows,
            "status": {s: int(counts.get(s, 0)) for s in STATUSES},
        }

    bs = ctx.benchmarks
    totals = {s: sum(int(b.status_counts.get(s, 0)) for b in bs) for s in STATUSES}
    out = block(
        sum(b.n_items for b in bs),
        sum(b.n_reviewed for b in bs),
        sum(b.n_reviewed_rows for b in bs),
        sum(b.n_published for b in bs),
        totals,
    )
    out["benchmarks"] = {
        b.name: block(b.n_items, b.n_reviewed, b.n_reviewed_rows, b.n_published, b.status_counts)
        for b in bs
    }
    return out


def review_state(ctx: CardContext) -> str:
    """`validated` when every published row was validated or corrected by people,
    `partial` when some were, `unreviewed` when none was."""
    if ctx.benchmarks and all(b.fully_reviewed for b in ctx.benchmarks):
        return "validated"
    return "partial" if any(b.n_reviewed_rows for b in ctx.benchmarks) else "unreviewed"


def _review_tag(ctx: CardContext) -> str:
    return {"validated": "human-validated", "partial": "partially-human-reviewed"}.get(
        review_state(ctx), "unreviewed"
    )


_VALIDATED_WORD = re.compile(r"\b(?:human[- ])?validated\b", re.I)


def pretty_name(ctx: CardContext) -> str:
    """The dataset's name; says "validated" only when every published row was."""
    c = ctx.campaign
    state = review_state(ctx)
    if c.pretty_name:
        name = str(c.pretty_name)
        if state == "validated":
            return name
        honest = "partly human-reviewed" if state == "partial" else "unreviewed"
        return _VALIDATED_WORD.sub(honest, name)
    names = ", ".join(b.name for b in ctx.benchmarks) or "benchmarks"
    words = {
        "validated": "human-validated",
        "partial": f"{_share(ctx)} human-reviewed",
        "unreviewed": "machine-translated, not yet reviewed",
    }
    return f"{names} ({language_name(c.language)}, {words[state]})"


def _share(ctx: CardContext) -> str:
    items = sum(b.n_items for b in ctx.benchmarks)
    reviewed = sum(b.n_reviewed for b in ctx.benchmarks)
    return _pct(reviewed, items)


def _pct(part: int, whole: int) -> str:
    if not whole:
        return "0%"
    share = 100 * part / whole
    if 0 < share < 1:
        return "<1%"
    if 99 < share < 100:
        return ">99%"
    return f"{share:.0f}%"


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code.split("-")[0].lower(), code)


def render_card(ctx: CardContext) -> str:
    """The whole README.md: front matter, then the body."""
    import yaml

    meta = yaml.safe_dump(card_metadata(ctx), sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{meta}---\n\n{render_body(ctx)}"


def _md(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    s = "" if text is None else str(text)
    s = s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return re.sub(r"([*_`<>\[\]])", r"\\\1", s)


def _num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _percent(share: float) -> float:
    """A share in [0, 1] as a percentage (values above 1 are taken as percentages already)."""
    return share * 100 if share <= 1 else share


def interpret_alpha(alpha: Any) -> str:
    """Krippendorff's reading of α: ≥ .800 reliable, ≥ .667 tentative, below that low."""
    if alpha is None or (isinstance(alpha, float) and math.isnan(alpha)):
        return "not enough overlap to compute"
    if alpha >= 0.8:
        return "reliable"
    if alpha >= 0.667:
        return "tentative: draw conclusions with care"
    if alpha >= 0.0:
        return "low: the verdicts are often disputed"
    return "below chance: systematic disagreement"


def render_body(ctx: CardContext) -> str:
    c = ctx.campaign
    lang = language_name(c.language)
    src_lang = language_name(c.source_language)
    repo = ctx.repo_id or "path/to/this/folder"
    first = ctx.benchmarks[0] if ctx.benchmarks else None
    total_published = sum(b.n_published for b in ctx.benchmarks)
    total_items = sum(b.n_items for b in ctx.benchmarks)
    n_people = len(ctx.contributors)
    out: list[str] = [f"# {pretty_name(ctx)}", ""]
    out += _coverage_section(ctx)
    out += [
        "",
        f"Machine-translated {src_lang} → {lang} benchmarks, "
        + (
            f"reviewed item by item by {n_people} volunteer{'s' if n_people != 1 else ''}"
            if review_state(ctx) == "validated"
            else f"under review item by item by volunteers ({n_people} so far)"
        )
        + " in the community annotation campaign "
        f"`{c.campaign}` (run with the `annotate` tool on Argilla). {total_published} of "
        f"{total_items} items are published, in the original schema of each benchmark, with "
        "columns telling how each item was validated. Each benchmark has two configs: "
        "`<benchmark>` with every published row, and `<benchmark>_reviewed` with only the "
        "rows volunteers validated or corrected.",
        "",
        "| config | split | rows | of items | source | lm-evaluation-harness task |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for b in ctx.benchmarks:
        out.append(
            f"| `{b.name}` | {b.split} | {b.n_published} | {b.n_items} | {_md(b.source)} | "
            f"{_tasks_cell(b, 'all')} |"
        )
        if b.reviewed_name:
            out.append(
                f"| `{b.reviewed_name}` | {b.split} | {b.n_reviewed_rows} | {b.n_items} | "
                f"validated or corrected rows only | {_tasks_cell(b, 'reviewed')} |"
            )
    out += [
        f"| `responses` | train | {ctx.n_response_rows} | | every raw annotation | |",
        f"| `contributors` | train | {n_people} | | credits and ranking | |",
        *(
            [f"| `reviewers` | train | {len(ctx.reviewers)} | | reviewers' credits | |"]
            if ctx.reviewers
            else []
        ),
        "",
        "## Using the data",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
    ]
    if first:
        out += [
            "# only the items a human validated or corrected:",
            f'ds = load_dataset("{repo}", "{first.reviewed_name or first.name}", '
            f'split="{first.split}")',
            "# every published item (unreviewed ones are the machine translation as is):",
            f'ds = load_dataset("{repo}", "{first.name}", split="{first.split}")',
        ]
    out += [
        f'responses = load_dataset("{repo}", "responses", split="train")',
        "```",
        "",
        "Every benchmark config keeps the columns (names and types) of its translation "
        "source, so code written for the source reads it unchanged. These columns are added:",
        "",
        "| column | meaning |",
        "| --- | --- |",
    ]
    out += [f"| `{k}` | {v} |" for k, v in ctx.provenance_columns.items()]
    out += ["", "`validation_status` is one of:", ""]
    out += [f"- `{s}`: {STATUS_MEANING[s]}" for s in STATUSES]
    out += ["", "## How the data was made", "", "### Sources", ""]
    for b in ctx.benchmarks:
        line = f"- **{b.name}**: machine translation from {_md(b.source)}"
        if b.original_source:
            line += f"; {src_lang} original: {_md(b.original_source)}"
        if b.license:
            line += f" (licence: {_md(b.license)})"
        out.append(line + ".")
    method = METHODS.get(str(c.method).lower(), f"the `{c.method}` method")
    out += [
        "",
        "### Annotation",
        "",
        f"Volunteers fluent in {lang} reviewed each item in Argilla, next to the {src_lang} "
        "original where it was available. For each item they gave a verdict (the "
        "translation is `correct`, needed to be `corrected`, or is `unusable`), could tag "
        "what was wrong, and when correcting edited the translated text directly. Every "
        f"item was to get at least **{c.min_submitted}** submitted review"
        f"{'s' if c.min_submitted != 1 else ''} from different people (the overlap), so "
        "that no single person decides an item. Drafts and discarded reviews do not count.",
        "",
        "### Resolving disagreements",
        "",
        f"Submitted verdicts were combined with {method}. A correction is applied only "
        "when the item resolves to `corrected` and the correction passed every check "
        "(same choices, none empty or duplicated, no e-mail address or key); the segments "
        "it changed are recorded with their machine translation in `machine_translation`. "
        "Every other row is the machine translation exactly as in the source.",
        *_gold_lines(c),
        "",
        "### Results per benchmark",
        "",
        "| benchmark | items | " + " | ".join(STATUSES) + " | published |",
        "| --- | --- | " + " | ".join("---" for _ in STATUSES) + " | --- |",
    ]
    for b in ctx.benchmarks:
        counts = " | ".join(str(b.status_counts.get(s, 0)) for s in STATUSES)
        out.append(f"| {b.name} | {b.n_items} | {counts} | {b.n_published} |")
    out += _agreement_section(ctx)
    if ctx.mt_quality:
        from annotate.esa_quality import card_section

        out += card_section(ctx.mt_quality)
    out += review.card_review_lines(ctx.review)
    if c.guidelines and str(c.guidelines).strip():
        out += [
            "",
            "### Annotation guidelines",
            "",
            "<details><summary>The guidelines shown to the volunteers</summary>",
            "",
            str(c.guidelines).strip(),
            "",
            "</details>",
        ]
    out += _responses_section(ctx)
    out += _contributors_section(ctx)
    out += review.card_reviewer_lines(ctx.reviewers)
    out += _lm_eval_section(ctx)
    out += _license_section(ctx)
    out += _citation_section(ctx)
    return "\n".join(out).rstrip() + "\n"


def _gold_lines(campaign: Any) -> list[str]:
    """The paragraph on gold items and the accuracy threshold (none without gold)."""
    from annotate.gold import card_line

    line = card_line(getattr(campaign, "gold", None))
    return ["", line] if line else []


def _coverage_section(ctx: CardContext) -> list[str]:
    """The first lines of the card: how much of the data people actually checked."""
    bs = ctx.benchmarks
    items = sum(b.n_items for b in bs)
    reviewed = sum(b.n_reviewed for b in bs)
    totals = {s: sum(int(b.status_counts.get(s, 0)) for b in bs) for s in STATUSES}
    state = review_state(ctx)
    lead = (
        f"**Review coverage: {reviewed} of {items} items ({_pct(reviewed, items)}) were "
        f"reviewed and settled by volunteers** ({totals['validated']} validated, "
        f"{totals['corrected']} corrected, {totals['unusable']} unusable and left out); "
        f"{totals['needs_review']} {_verb(totals['needs_review'], 'awaits', 'await')} a "
        f"decision (`needs_review`) and {totals['unannotated']} "
        f"{_verb(totals['unannotated'], 'has', 'have')} not been reviewed yet (`unannotated`)."
    )
    if state == "unreviewed":
        lead += (
            " **No published row has been checked by a person yet: this is the machine "
            "translation as is.**"
        )
    elif state == "partial":
        lead += (
            " Rows that were not validated or corrected are the machine translation as is: "
            "evaluate on the `_reviewed` configs for what people checked."
        )
    out = [
        lead,
        "",
        "| benchmark | items | reviewed | coverage | " + " | ".join(STATUSES) + " |",
        "| --- | --- | --- | --- | " + " | ".join("---" for _ in STATUSES) + " |",
    ]
    for b in bs:
        counts = " | ".join(str(int(b.status_counts.get(s, 0))) for s in STATUSES)
        out.append(
            f"| {b.name} | {b.n_items} | {b.n_reviewed} | {_pct(b.n_reviewed, b.n_items)} | "
            f"{counts} |"
        )
    return out


def _verb(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _agreement_section(ctx: CardContext) -> list[str]:
    out = ["", "### Agreement", ""]
    if not ctx.agreement:
        return out + ["No agreement could be computed (no item had overlapping reviews)."]
    out += [
        "Inter-annotator agreement on the verdicts, as Krippendorff's α with its 95% "
        "confidence interval, and the raw percentage of agreement. "
        "Krippendorff's reading: α ≥ 0.800 is reliable, 0.667 ≤ α < 0.800 allows tentative "
        "conclusions only, lower is unreliable.",
        "",
        "| benchmark | items | ratings | α | 95% CI | % agreement | reading |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in ctx.agreement:
        alpha = row.get("alpha")
        ci = f"[{_num(row.get('alpha_low'))}, {_num(row.get('alpha_high'))}]"
        if _num(row.get("alpha_low")) == "n/a":
            ci = "n/a"
        pct = row.get("percent_agreement")
        pct_s = "n/a" if _num(pct) == "n/a" else f"{_percent(float(pct)):.1f}%"
        name = _md(row.get("benchmark"))
        name = f"**{name}**" if row.get("benchmark") == "overall" else name
        out.append(
            f"| {name} | {_num(row.get('n_items'))} | {_num(row.get('n_ratings'))} | "
            f"{_num(alpha)} | {ci} | {pct_s} | {interpret_alpha(alpha)} |"
        )
    return out


def _responses_section(ctx: CardContext) -> list[str]:
    c = ctx.campaign
    who = (
        "Annotators appear under their username, except those who asked to stay anonymous "
        "or not to be credited, who appear under a pseudonym."
        if c.name_in_responses
        else "Annotators appear under pseudonyms (the `contributors` config credits people "
        "by name; the raw responses do not say who answered what)."
    )
    return [
        "",
        "## Raw responses (`responses` config)",
        "",
        f"All {ctx.n_responses} reviews as a tidy table, one row per answered question "
        f"({ctx.n_response_rows} rows), including drafts and discarded ones (`status`): "
        "`record_id` (joins the benchmark configs), `benchmark`, `item_key`, `annotator`, "
        "`question` (`verdict`, `error_categories`, `correction`, `comment`), `value` (text; "
        "lists as JSON), `status`, `inserted_at`, `updated_at`.",
        "",
        f"{who} Pseudonyms look like `annotator-1a2b3c4d5e`: a salted hash of the "
        "annotator's account id, stable within this campaign; the salt is not published. No "
        "e-mail address, account id or key is published, and e-mail addresses typed into "
        "free text are replaced by `[email removed]`.",
    ]


def _contributors_section(ctx: CardContext) -> list[str]:
    out = ["", "## Contributors", ""]
    people = ctx.contributors
    if not people:
        return out + ["No submitted reviews yet."]
    bench_cols = [b.name for b in ctx.benchmarks]
    anonymous = sum(1 for p in people if not p.get("named", True))
    shy = (
        f" ({anonymous} of them chose to stay anonymous and appear under a pseudonym)"
        if anonymous
        else ""
    )
    out += [
        f"Thank you to the {len(people)} volunteer{'s' if len(people) != 1 else ''}{shy} who "
        "reviewed these translations, credited here by their username: this dataset exists "
        "because of your time and care. Ranked by submitted reviews (drafts and discards do "
        "not count); agreement is how often a person's verdicts matched the resolved ones.",
        "",
        "| rank | contributor | submitted | " + " | ".join(bench_cols) + " | agreement |",
        "| --- | --- | --- | " + " | ".join("---" for _ in bench_cols) + " | --- |",
    ]
    for p in people[:MAX_CONTRIBUTORS_IN_CARD]:
        per = " | ".join(str(p.get(f"submitted_{b}", 0)) for b in bench_cols)
        agree = p.get("agreement_with_consensus")
        agree_s = "n/a" if _num(agree) == "n/a" else f"{_percent(float(agree)):.0f}%"
        out.append(
            f"| {p['rank']} | {_md(p['contributor'])} | {p['submitted']} | {per} | {agree_s} |"
        )
    if len(people) > MAX_CONTRIBUTORS_IN_CARD:
        out += [
            "",
            f"… and {len(people) - MAX_CONTRIBUTORS_IN_CARD} more: see the `contributors` config.",
        ]
    return out


def _tasks_cell(b: BenchmarkCardInfo, variant: str) -> str:
    names = [f"`{name}`" for name, v in b.lm_eval_tasks if v == variant]
    return ", ".join(names) or "—"


def _lm_eval_section(ctx: CardContext) -> list[str]:
    from annotate.lm_eval_tasks import upstream_overrides

    tasks = [b for b in ctx.benchmarks if b.lm_eval_tasks]
    if not tasks:
        return []
    reviewed = ",".join(n for b in tasks for n, v in b.lm_eval_tasks if v == "reviewed")
    every = ",".join(n for b in tasks for n, v in b.lm_eval_tasks if v == "all")
    if ctx.repo_id:
        get = [
            "# the task files (the data is read from the Hub)",
            f"hf download {ctx.repo_id} --repo-type dataset --include 'lm_eval/*' "
            "--local-dir release",
        ]
        where = f"read `{ctx.repo_id}` from the Hub (`dataset_path`, `dataset_name`)"
    else:
        get = ["# from anywhere: point --include_path at this folder's lm_eval/"]
        where = (
            "read this folder wherever it is (`custom_dataset: !function "
            "utils.load_folder`), from any working directory"
        )
    out = [
        "",
        "## Evaluating with lm-evaluation-harness",
        "",
        "`lm_eval/` holds task files with the prompts, choices and metrics of the Okapi tasks "
        "of lm-evaluation-harness (`arc_multilingual`, `m_mmlu`, `hellaswag_multilingual`, "
        "and `truthfulqa_multilingual` with its 6-shot English preamble, mc1 and mc2), so "
        "scores compare with theirs. They " + where + ". `*_reviewed` tasks evaluate only "
        "the rows volunteers validated or corrected; `*_all` every published row.",
        "",
        "```bash",
        *get,
        f"lm_eval --model hf --model_args pretrained=MODEL --include_path release/lm_eval "
        f"--tasks {reviewed or every}",
        "```",
    ]
    if reviewed and every:
        out += ["", f"Every published row: `--tasks {every}`."]
    repo = ctx.repo_id or "/path/to/this/folder"
    out += [
        "",
        "To run the upstream Okapi task files of lm-evaluation-harness themselves on this "
        "data, include them with these overrides (upstream reads `alexandrainst/m_*`, whose "
        "split names differ), replacing `LM_EVAL_TASKS` with the `tasks` folder of your "
        'installed harness (`python -c "import lm_eval, os; '
        "print(os.path.dirname(lm_eval.__file__) + '/tasks')\"`); set `dataset_name` to "
        "the config without `_reviewed` for every published row:",
    ]
    lang = ctx.campaign.language
    for b in tasks:
        config = b.reviewed_name if b.reviewed_name and b.n_reviewed_rows else b.name
        files = upstream_overrides(b.schema or "", lang, repo, config, b.split, b.columns)
        if not files:
            out += [
                "",
                f"(`{b.name}` has no `option_e` column, which the upstream ARC code reads: "
                "use the shipped tasks, whose prompt is the same.)",
            ]
        for filename, text in files:
            out += ["", "```yaml", f"# {filename}", text.rstrip("\n"), "```"]
    return out


def _license_section(ctx: CardContext) -> list[str]:
    out = ["", "## Licence", ""]
    names = [n for n in ctx.license_names if n]
    if names:
        out.append(
            "This dataset is derived from its translation sources and carries their licence: "
            + "; ".join(names)
            + ". The annotations are released under the same terms."
        )
    else:
        out.append(
            "The licence of the translation sources was not stated; check them before "
            "reusing this data."
        )
    return out


def _citation_section(ctx: CardContext) -> list[str]:
    c = ctx.campaign
    okapi = any(is_okapi(b.source, b.original_source) for b in ctx.benchmarks)
    if not c.citation and not okapi:
        return []
    out = ["", "## Citation", ""]
    if c.citation:
        out += [
            "If you use this dataset, please cite:",
            "",
            "```bibtex",
            str(c.citation).strip(),
            "```",
        ]
    if okapi:
        out += [
            "",
            "The machine translations come from Okapi:",
            "",
            "```bibtex",
            OKAPI_CITATION,
            "```",
        ]
    return out
