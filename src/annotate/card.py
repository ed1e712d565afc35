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
    "needs_review": "the volunteers disagreed or a correction could not be read back; kept "
    "as shown in the data, not yet settled",
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
    lm_eval_task: str | None = None
    lm_eval_file: str | None = None


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
    configs = [
        {"config_name": b.name, "data_files": [{"split": b.split, "path": b.path}]}
        | ({"default": True} if i == 0 else {})
        for i, b in enumerate(ctx.benchmarks)
    ]
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
    licenses = list(ctx.license_ids) or ["unknown"]
    extra: dict[str, Any] = {}
    if "other" in licenses and ctx.license_names:
        extra["license_name"] = re.sub(r"[^a-z0-9.-]+", "-", ctx.license_names[0].lower())
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
        tags=["machine-translation", "human-validated", "benchmark", "argilla"]
        + (["okapi"] if any(is_okapi(b.source, b.original_source) for b in ctx.benchmarks) else []),
        configs=configs,
        **extra,
    )
    return data.to_dict()


def pretty_name(ctx: CardContext) -> str:
    c = ctx.campaign
    if c.pretty_name:
        return str(c.pretty_name)
    names = ", ".join(b.name for b in ctx.benchmarks) or "benchmarks"
    return f"{names} ({language_name(c.language)}, human-validated)"


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
    out += [
        f"Machine-translated {src_lang} → {lang} benchmarks, reviewed item by item by "
        f"{n_people} volunteer{'s' if n_people != 1 else ''} in the community annotation "
        f"campaign `{c.campaign}` (run with the `annotate` tool on Argilla). "
        f"{total_published} of {total_items} items are published, in the original schema of "
        "each benchmark, with columns telling how each item was validated.",
        "",
        "| config | split | rows | of items | source | lm-evaluation-harness task |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for b in ctx.benchmarks:
        task = f"`{b.lm_eval_task}`" if b.lm_eval_task else "—"
        out.append(
            f"| `{b.name}` | {b.split} | {b.n_published} | {b.n_items} | {_md(b.source)} | {task} |"
        )
    out += [
        f"| `responses` | train | {ctx.n_response_rows} | | every raw annotation | |",
        f"| `contributors` | train | {n_people} | | credits and ranking | |",
        "",
        "## Using the data",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
    ]
    if first:
        out += [
            f'ds = load_dataset("{repo}", "{first.name}", split="{first.split}")',
            "# only the items a human validated or corrected:",
            'ds = ds.filter(lambda r: r["validation_status"] in ("validated", "corrected"))',
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
        "when the item resolves to `corrected`; the segments it changed are recorded with "
        "their machine translation in `machine_translation`.",
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
    out += _lm_eval_section(ctx)
    out += _license_section(ctx)
    out += _citation_section(ctx)
    return "\n".join(out).rstrip() + "\n"


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
        "Contributors who agreed to be credited appear under their username; anyone who "
        "asked not to be named appears under a pseudonym."
        if c.name_contributors
        else "Annotators appear under pseudonyms."
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
    out += [
        f"Thank you to the {len(people)} volunteer{'s' if len(people) != 1 else ''} who "
        "reviewed these translations: this dataset exists because of your time and care. "
        "Ranked by submitted reviews (drafts and discards do not count); agreement is how "
        "often a person's verdicts matched the resolved ones.",
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


def _lm_eval_section(ctx: CardContext) -> list[str]:
    tasks = [b for b in ctx.benchmarks if b.lm_eval_task]
    if not tasks:
        return []
    names = ",".join(b.lm_eval_task or "" for b in tasks)
    return [
        "",
        "## Evaluating with lm-evaluation-harness",
        "",
        "`lm_eval/` holds one task file per benchmark, mirroring the Okapi tasks of "
        "lm-evaluation-harness but reading this dataset:",
        "",
        "```bash",
        f"lm_eval --model hf --model_args pretrained=MODEL --include_path lm_eval --tasks {names}",
        "```",
        "",
        "The Okapi task files themselves (`dataset_path: alexandrainst/m_arc`, …) can also "
        "point at this repo with `dataset_name` set to a config above, since the columns are "
        "the same.",
    ]


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
