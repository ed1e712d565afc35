"""The campaign config: one YAML file, validated once, so later stages can trust it.

Every mistake a user can make in the file (bad YAML, an unknown or missing key, a wrong
type, a source file that is not there, two benchmarks with one name) becomes a one-line
`ConfigError` naming the file and the dotted key, e.g.
`configs/x.yaml: benchmarks[1].translation.path: file not found: /data/m_arc.json`.

Paths inside the file are resolved relative to the folder of the config file, and so is
the default workdir (`.annotate/<campaign>` next to the config), so a campaign folder can
be moved or cloned as a whole and every command finds the same pulls from any directory.
Loading never touches the network: Hub sources are only checked for shape here and
fetched later by `sources.load_rows`.

Loading may also leave `warnings` (one line each, for the CLI to print), e.g. a split
guessed for lack of a name, and a `legacy_notice` when pulls sit at the old default
workdir under the current directory (pull refuses then, so history never starts afresh).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import string
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from annotate.errors import ConfigError
from annotate.triage import CHECKS as TRIAGE_CHECKS

ADAPTERS: tuple[str, ...] = ("arc", "mmlu", "hellaswag", "truthfulqa", "generic")
RESOLUTION_METHODS: tuple[str, ...] = ("majority", "dawid_skene", "glad", "mace")
PAIRING_METHODS: tuple[str, ...] = ("id", "key", "position", "content")
# Placeholders a pairing template may use besides the listed columns.
TEMPLATE_VARIABLES: tuple[str, ...] = ("n", "position")

# Upper bounds: a number far past any real campaign is a typo (1e20), not a wish, and
# would reach Argilla or a chart axis as is.
MAX_MIN_SUBMITTED = 100
MAX_ITEMS = 10_000_000
MAX_THRESHOLD = 1_000_000

# Split names recognised at the end of a local file's name (Okapi's `m_arc_pt_validation.json`,
# `m_mmlu_es_dev.json`; the Hub's `test-00000-of-00001.parquet`).
SPLIT_NAMES: tuple[str, ...] = ("train", "validation", "val", "dev", "test")
# The split of a local file whose name names none: benchmarks are evaluated on `test`.
FALLBACK_SPLIT = "test"

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=100)]
LanguageCode = Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
NonEmpty = Annotated[str, Field(min_length=1)]


class _KeyedError(ConfigError):
    """A cross-field problem found by a validator: carries its dotted key to load_config."""

    def __init__(self, key: str, message: str, hint: str | None = None) -> None:
        super().__init__(f"{key}: {message}", hint)
        self.key = key
        self.detail = message


class _Model(BaseModel):
    # strict: YAML already gives native types, so "2" for an int is a mistake worth naming.
    model_config = ConfigDict(extra="forbid", strict=True)


def _base_dir(info: ValidationInfo) -> Path:
    """Folder relative paths are resolved against (the config's folder, else the cwd)."""
    ctx = info.context or {}
    return Path(ctx.get("base_dir") or Path.cwd())


def _resolve(value: str, info: ValidationInfo) -> Path:
    try:
        path = Path(value).expanduser()
    except RuntimeError as exc:  # ~user that does not exist
        raise ValueError(f"cannot expand {value!r}: {exc}") from None
    try:
        return (path if path.is_absolute() else _base_dir(info) / path).resolve()
    except RuntimeError:  # Python < 3.13 reports a symlink loop this way
        raise ValueError(f"{value!r}: a symbolic link in it points back to itself") from None
    except OSError as exc:
        raise ValueError(f"{value!r}: {exc.strerror}") from None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError as exc:
        raise ValueError(f"cannot use {str(path)[:80]!r}: {exc.strerror}") from None


def _existing_file(value: Any, info: ValidationInfo) -> Any:
    """A path key's value, resolved, when it names a file (other values: the type check)."""
    if not isinstance(value, str) or not value:
        return value
    path = _resolve(value, info)
    if not _is_file(path):
        raise ValueError(f"file not found: {path}")
    return path


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError as exc:
        raise ValueError(f"cannot use {str(path)[:80]!r}: {exc.strerror}") from None


class Source(_Model):
    """Where rows come from: a local file (`path`) or a Hub dataset (`hub`)."""

    path: Path | None = Field(default=None, strict=False)
    hub: NonEmpty | None = None
    config: NonEmpty | None = None
    split: NonEmpty | None = None
    revision: NonEmpty | None = None

    @field_validator("path", mode="before")
    @classmethod
    def _check_path(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str) or not value:
            return value  # let the type check report it
        path = _resolve(value, info)
        if not _is_file(path):
            raise ValueError(f"file not found: {path}")
        return path

    @field_validator("hub")
    @classmethod
    def _local_hub_folder(cls, value: str | None, info: ValidationInfo) -> str | None:
        # `hub: ./folder` loads a local dataset folder through the same datasets code path.
        if value is not None and value.startswith((".", "/", "~")):
            path = _resolve(value, info)
            if not _is_dir(path):
                raise ValueError(f"dataset folder not found: {path}")
            return str(path)
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        if (self.path is None) == (self.hub is None):
            raise ValueError("give exactly one of 'path' (local file) or 'hub' (Hub dataset)")
        if self.path is not None and (self.config or self.revision):
            raise ValueError("'config' and 'revision' only apply to a 'hub' source")
        if self.hub is not None and self.split is None:
            raise ValueError("a 'hub' source needs a 'split' (e.g. validation)")
        return self

    @property
    def is_local(self) -> bool:
        return self.path is not None

    @property
    def label(self) -> str:
        """Short human name for messages: the file name, or hub id[config]/split."""
        if self.path is not None:
            return self.path.name
        config = f"[{self.config}]" if self.config else ""
        return f"{self.hub}{config}/{self.split}"


class Pairing(_Model):
    """How translation rows find their original rows.

    `id`: one column per side, compared as text. `key`: columns joined with "/", or a
    `*_template` such as "{subject}/dev/{n}" where `n` is the 0-based position of the row
    among rows with the same values in the listed columns (MMLU's Okapi ids) and
    `position` is the row's 0-based position in its file. `position`: i-th with i-th.
    `content`: translations keep the label structure and share names and numbers with
    the original, so rows are matched on both (for shuffled data without ids).
    """

    by: Literal["id", "key", "position", "content"] = "id"
    translation: list[NonEmpty] = Field(default_factory=list)
    original: list[NonEmpty] = Field(default_factory=list)
    translation_template: NonEmpty | None = None
    original_template: NonEmpty | None = None
    required: bool = False

    @model_validator(mode="after")
    def _check(self) -> Pairing:
        keyed = self.by in ("id", "key")
        if keyed:
            if not self.translation:
                raise ValueError(f"by: {self.by} needs 'translation' (the key columns)")
            if not self.original:
                self.original = list(self.translation)
        elif (
            self.translation
            or self.original
            or self.translation_template
            or (self.original_template)
        ):
            raise ValueError(f"by: {self.by} takes no key columns or templates")
        for side in ("translation", "original"):
            template = getattr(self, f"{side}_template")
            if template is None:
                continue
            try:
                names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
            except ValueError as exc:
                raise ValueError(f"{side}_template: {exc}") from None
            unknown = names - set(getattr(self, side)) - set(TEMPLATE_VARIABLES)
            if unknown:
                raise ValueError(
                    f"{side}_template uses {sorted(unknown)}: list them in '{side}' "
                    f"or use {list(TEMPLATE_VARIABLES)}"
                )
        return self


class Sample(_Model):
    """A seeded random sample: the same config always yields the same items."""

    n: int = Field(ge=1, le=MAX_ITEMS)
    seed: int = 13


class Columns(_Model):
    """Column names for the generic adapter (`choices`: a list of columns or one list column)."""

    id: NonEmpty | None = None
    question: NonEmpty
    context: NonEmpty | None = None
    choices: list[NonEmpty] | NonEmpty
    answer: NonEmpty | None = None


class Benchmark(_Model):
    """One benchmark of the campaign, pushed to one Argilla dataset."""

    name: Slug
    adapter: Literal["arc", "mmlu", "hellaswag", "truthfulqa", "generic"]
    dataset: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")] | None = None
    split: NonEmpty | None = None
    translation: Source
    original: Source | None = None
    pairing: Pairing | None = None
    limit: int | None = Field(default=None, ge=1, le=MAX_ITEMS)
    sample: Sample | None = None
    columns: Columns | None = None

    @model_validator(mode="after")
    def _check(self) -> Benchmark:
        if self.adapter == "generic" and self.columns is None:
            raise ValueError("adapter 'generic' needs 'columns'")
        if self.adapter != "generic" and self.columns is not None:
            raise ValueError(f"'columns' only applies to adapter 'generic', not '{self.adapter}'")
        if self.original is not None and self.pairing is None:
            raise ValueError("an 'original' needs a 'pairing' (e.g. {by: id, translation: [id]})")
        if self.original is None and self.pairing is not None:
            raise ValueError("'pairing' is set but there is no 'original' to pair with")
        if self.split is None:  # else Campaign falls back to FALLBACK_SPLIT, with a warning
            self.split = self.translation.split or split_from_name(self.translation.path)
        return self

    @property
    def dataset_name(self) -> str:
        """The Argilla dataset name (filled with "<campaign>-<name>" by Campaign)."""
        return self.dataset or self.name


def split_from_name(path: Path | None) -> str | None:
    """The split a file's name ends with ('m_arc_pt_validation.json' -> 'validation')."""
    if path is None:
        return None
    words = [w for w in re.split(r"[^a-z0-9]+", path.name.lower()) if w]
    return next((w for w in reversed(words) if w in SPLIT_NAMES), None)


class Resolution(_Model):
    """How the votes on one item become one status (crowd-kit method names)."""

    method: Literal["majority", "dawid_skene", "glad", "mace"] = "majority"
    min_votes: int | None = Field(default=None, ge=1, le=MAX_MIN_SUBMITTED)
    _default_votes: int = PrivateAttr(default=2)

    @property
    def min_votes_effective(self) -> int:
        """min_votes, or the campaign's min_submitted when not set."""
        return self.min_votes if self.min_votes is not None else self._default_votes


class Publish(_Model):
    """What the published dataset carries. Volunteers are credited by username in the
    `contributors` config and the card (the campaign's promise), except those listed in
    `anonymous_contributors` (counted under a pseudonym) or `exclude_contributors` (left
    out); the raw `responses` stay pseudonymised unless `name_in_responses`."""

    license: NonEmpty | None = None
    pretty_name: NonEmpty | None = None
    name_contributors: bool = True
    anonymous_contributors: list[NonEmpty] = Field(default_factory=list)
    exclude_contributors: list[NonEmpty] = Field(default_factory=list)
    name_in_responses: bool = False
    salt: NonEmpty | None = None
    citation: NonEmpty | None = None


SpaceColor = Literal["red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"]


class SpaceCard(_Model):
    """The Space card of `annotate report --to hf://spaces/ORG/NAME` (Hub's Space keys)."""

    title: NonEmpty | None = None  # default: the report's title
    emoji: NonEmpty = "📊"
    color_from: SpaceColor = "blue"
    color_to: SpaceColor = "indigo"
    pinned: bool = False
    short_description: str = Field(default="", max_length=60)


class Report(_Model):
    thresholds: list[Annotated[int, Field(ge=0, le=MAX_THRESHOLD)]] = Field(
        default_factory=lambda: [50]
    )
    space: SpaceCard = Field(default_factory=SpaceCard)
    # Credit for care: flag agreement with the consensus below this (0..1) and this many
    # phantom corrections ("corrected" with the text left as the MT) on the leaderboard.
    low_agreement: float = Field(default=0.5, ge=0, le=1)
    phantom_flag: int = Field(default=1, ge=1)


class Triage(_Model):
    """Offline checks before people (`annotate.triage`); off unless asked, so existing
    campaigns push exactly what they pushed before. When on, every check runs by default:
    they are cheap, and resolve measures each one against the verdicts, so a noisy check
    is dropped from `checks` on evidence. `prioritize` (needs `enabled`) writes the score
    as `annotate_priority`, which the embedded server's queue serves first."""

    enabled: bool = False
    prioritize: bool = False
    checks: list[Literal[TRIAGE_CHECKS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: list(TRIAGE_CHECKS)
    )

    @model_validator(mode="after")
    def _check(self) -> Triage:
        if self.prioritize and not self.enabled:
            raise ValueError("prioritize: true needs enabled: true (the priority is its score)")
        self.checks = list(dict.fromkeys(self.checks))
        return self


class Gold(_Model):
    """Gold items with known verdicts, mixed into the queues to score annotators (gold.py).

    Without `min_accuracy` accuracy is only reported; with it, annotators below it after
    `min_seen` gold items lose their vote (`exclude`) or have it down-weighted (`weight`).
    `from_reviews` also scores them on the items reviewers settled (the review stage).
    """

    path: Path | None = Field(default=None, strict=False)
    from_reviews: bool = False
    min_accuracy: float | None = Field(default=None, ge=0, le=1)
    min_seen: int = Field(default=5, ge=1, le=MAX_ITEMS)
    mode: Literal["exclude", "weight"] = "exclude"

    @field_validator("path", mode="before")
    @classmethod
    def _check_path(cls, value: Any, info: ValidationInfo) -> Any:
        return _existing_file(value, info)

    @model_validator(mode="after")
    def _some_gold(self) -> Gold:
        if self.path is None and not self.from_reviews:
            raise ValueError("give 'path' (a gold file), or 'from_reviews: true', or both")
        return self


class Review(_Model):
    """The review stage (`annotate review push`): where reviewers work, how much of the
    crowd's accepted work they re-check. Optional; the defaults change nothing until a
    review push is run."""

    workspace: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    audit_fraction: float = Field(default=0.0, ge=0, le=1)
    seed: int = 13


class Campaign(_Model):
    """The whole campaign; build it with `load_config(path)`."""

    campaign: Slug
    language: LanguageCode
    source_language: LanguageCode = "en"
    workspace: NonEmpty
    guidelines: NonEmpty | None = None
    guidelines_file: Path | None = Field(default=None, strict=False)
    min_submitted: int = Field(default=2, ge=1, le=MAX_MIN_SUBMITTED)
    error_categories: bool = True
    # verdict: is the translation right (and its correction); esa: also error spans and a
    # 0-100 score on the machine translation (see annotate.esa). Fixed once pushed.
    protocol: Literal["verdict", "esa"] = "verdict"
    workdir: Path | None = Field(default=None, strict=False)
    resolution: Resolution = Field(default_factory=Resolution)
    publish: Publish = Field(default_factory=Publish)
    report: Report = Field(default_factory=Report)
    triage: Triage = Field(default_factory=Triage)
    gold: Gold | None = None
    review: Review = Field(default_factory=Review)
    benchmarks: list[Benchmark] = Field(min_length=1)

    _path: Path | None = PrivateAttr(default=None)
    _guidelines_text: str = PrivateAttr(default="")
    _warnings: list[str] = PrivateAttr(default_factory=list)
    _legacy_workdir: Path | None = PrivateAttr(default=None)

    @field_validator("guidelines_file", mode="before")
    @classmethod
    def _check_guidelines_file(cls, value: Any, info: ValidationInfo) -> Any:
        return _existing_file(value, info)

    @field_validator("workdir", mode="before")
    @classmethod
    def _resolve_workdir(cls, value: Any, info: ValidationInfo) -> Any:
        return _resolve(value, info) if isinstance(value, str) and value else value

    @model_validator(mode="after")
    def _complete(self, info: ValidationInfo) -> Campaign:
        if (self.guidelines is None) == (self.guidelines_file is None):
            raise _KeyedError(
                "guidelines", "give either 'guidelines' (text) or 'guidelines_file' (a path)"
            )
        if self.guidelines_file is not None:
            try:
                text = self.guidelines_file.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise _KeyedError(
                    "guidelines_file", f"{self.guidelines_file} is not UTF-8 text"
                ) from None
            if not text.strip():
                raise _KeyedError("guidelines_file", f"{self.guidelines_file} is empty")
            self._guidelines_text = text
        else:
            self._guidelines_text = self.guidelines or ""
        if self.workdir is None:
            # Next to the config, like every other path in it: any directory the
            # commands run from finds the same pulls.
            self.workdir = (_base_dir(info) / ".annotate" / self.campaign).resolve()
            self._legacy_workdir = _legacy_workdir(self.campaign, self.workdir)
        if self.resolution.min_votes is not None and self.resolution.min_votes > (
            self.min_submitted
        ):
            raise _KeyedError(
                "resolution.min_votes",
                f"{self.resolution.min_votes} is more than min_submitted "
                f"({self.min_submitted}): no item could ever be resolved",
            )
        self.resolution._default_votes = self.min_submitted
        if (
            self.gold is not None
            and self.gold.mode == "weight"
            and (self.resolution.method != "majority")
        ):
            raise _KeyedError(
                "gold.mode",
                f"'weight' needs resolution.method 'majority', not "
                f"'{self.resolution.method}' (crowd-kit's methods weigh annotators by their "
                "own estimate)",
                "use mode 'exclude' with that method",
            )
        if self.review.workspace == self.workspace:
            raise _KeyedError(
                "review.workspace",
                f"'{self.workspace}' is the annotators' workspace: its members would see the "
                "review datasets (others' corrections and comments) and could settle their "
                "own disputes",
                "give it a workspace of its own, or drop the key for <workspace>-review",
            )
        if self.publish.salt is None:
            # Public and deterministic: stable pseudonyms across runs. Set a secret salt
            # when pseudonyms must not be reproducible by outsiders.
            digest = hashlib.sha256(f"annotate:{self.campaign}".encode()).hexdigest()
            self.publish.salt = digest[:16]
        names: dict[str, int] = {}
        datasets: dict[str, int] = {}
        for i, bench in enumerate(self.benchmarks):
            if bench.split is None:
                bench.split = FALLBACK_SPLIT
                self._warnings.append(
                    f"benchmarks[{i}].split: not set, and the file name "
                    f"{bench.translation.label!r} names no split; using {FALLBACK_SPLIT!r} "
                    "(set `split:` to the split the file holds, e.g. validation)"
                )
            if bench.name in names:
                first = names[bench.name]
                raise _KeyedError(
                    f"benchmarks[{i}].name",
                    f"duplicate benchmark name '{bench.name}' (also benchmarks[{first}])",
                )
            names[bench.name] = i
            if bench.dataset is None:
                bench.dataset = f"{self.campaign}-{bench.name}"
            if bench.dataset in datasets:
                raise _KeyedError(
                    f"benchmarks[{i}].dataset",
                    f"Argilla dataset '{bench.dataset}' is also used by "
                    f"benchmarks[{datasets[bench.dataset]}]",
                )
            datasets[bench.dataset] = i
        ctx = info.context or {}
        if ctx.get("file"):
            self._path = Path(ctx["file"]).resolve()
        return self

    @property
    def path(self) -> Path | None:
        """The config file this campaign was loaded from."""
        return self._path

    @property
    def warnings(self) -> list[str]:
        """Things worth a line on the terminal that did not stop loading (see module doc)."""
        return list(self._warnings)

    @property
    def legacy_workdir(self) -> Path | None:
        """Pulls left at the old default workdir (under the current directory), if any."""
        return self._legacy_workdir

    @property
    def legacy_notice(self) -> str | None:
        """One line on `legacy_workdir` (a warning, or pull's reason to refuse)."""
        if self._legacy_workdir is None:
            return None
        return (
            f"workdir: earlier pulls of this campaign are in {self._legacy_workdir} (the old "
            f"default, under the current directory), not in {self.workdir} (the default "
            "now, next to the config): move that folder there, or set "
            f"`workdir: {self._legacy_workdir}` in the config"
        )

    @property
    def guidelines_text(self) -> str:
        """The annotator guidelines, inline or read from guidelines_file."""
        return self._guidelines_text

    def benchmark(self, name: str) -> Benchmark:
        """The benchmark called `name`; a ConfigError listing the names otherwise."""
        for bench in self.benchmarks:
            if bench.name == name:
                return bench
        known = ", ".join(b.name for b in self.benchmarks)
        raise ConfigError(
            f"no benchmark '{name}' in {self._path or 'the config'}", f"known: {known}"
        )

    def benchmark_index(self, bench: Benchmark | str) -> int:
        """Position of a benchmark in `benchmarks` (for dotted keys in messages)."""
        name = bench if isinstance(bench, str) else bench.name
        return [b.name for b in self.benchmarks].index(self.benchmark(name).name)


def _legacy_workdir(campaign: str, workdir: Path) -> Path | None:
    """The old default workdir (cwd/.annotate/<campaign>) when it holds pulls and the new
    one does not exist: moving on silently would start the campaign's history afresh."""
    old = (Path.cwd() / ".annotate" / campaign).resolve()
    try:
        # the new workdir's snapshots, not the folder: a lock file may have made it
        moved = old == workdir or (workdir / "snapshots").is_dir()
        moved = moved or not (old / "snapshots").is_dir()
    except OSError:
        return None
    return None if moved else old


# --- loading -----------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, typing.Hashable):
            continue  # construct_mapping below reports it
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def dotted(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """('benchmarks', 1, 'translation', 'path') -> 'benchmarks[1].translation.path'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that owns the last key of `loc` (to list the allowed keys)."""
    model: Any = Campaign
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) else None
        if field is None:
            return None
        model = _unwrap_model(field.annotation)
        if model is None:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _unwrap_model(arg)
            if found is not None:
                return found
    return None


def _describe(error: Any) -> tuple[str, str, str | None]:
    """(dotted key, message, hint) for one pydantic error, phrased for config authors."""
    raw = tuple(error.get("loc", ()))
    kind = error.get("type", "")
    # Drop the union-branch tags pydantic puts in locs (e.g. 'list[str]', 'str'); the last
    # part of an unknown-key error is the user's key itself, whatever it looks like.
    keep = raw[-1:] if kind == "extra_forbidden" else ()
    body = raw[: len(raw) - len(keep)]
    loc = tuple(p for p in body if isinstance(p, int) or not ("[" in p or p in ("str", "int")))
    loc += keep
    # One line whatever the keys hold (a YAML key may contain a newline).
    key = (dotted(loc) or "(top level)").encode("unicode_escape").decode("ascii")
    message = str(error.get("msg", "invalid value"))
    hint = None
    if kind == "extra_forbidden":
        model = _model_at(loc)
        allowed = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        message = "unknown key" + (f" (did you mean '{close[0]}'?)" if close else "")
        hint = f"allowed keys here: {', '.join(allowed)}" if allowed else None
    elif kind == "missing":
        message = "required key missing"
    else:
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if kind not in ("value_error", "assertion_error") and "input" in error:
            shown = repr(error["input"])
            message += f" (got {shown[:60]}{'...' if len(shown) > 60 else ''})"
    return key, message.replace("\n", " "), hint


def campaign_from_dict(
    data: Any, *, base_dir: Path | None = None, file: Path | str | None = None
) -> Campaign:
    """Validate an already-parsed config mapping (paths relative to `base_dir`)."""
    label = str(file) if file is not None else "config"
    if not isinstance(data, dict):
        raise ConfigError(f"{label}: expected a mapping of keys at the top level")
    context = {"base_dir": base_dir or Path.cwd(), "file": file}
    try:
        return Campaign.model_validate(data, context=context)
    except ValidationError as exc:
        errors = exc.errors()
        key, message, hint = _describe(errors[0])
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"{label}: {key}: {message}{more}", hint) from None
    except _KeyedError as exc:
        raise ConfigError(f"{label}: {exc.key}: {exc.detail}", exc.hint) from None


def load_config(path: str | Path) -> Campaign:
    """Read and validate a campaign YAML file; ConfigError (one line) on any problem."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(
            f"{file}: config file not found", "pass the campaign YAML, e.g. configs/sample-es.yaml"
        )
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{file}: invalid YAML{where}: {problem}") from None
    if data is None:
        raise ConfigError(f"{file}: the config file is empty")
    return campaign_from_dict(data, base_dir=file.resolve().parent, file=file)
