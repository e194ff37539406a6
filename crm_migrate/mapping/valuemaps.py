"""Value maps: a file's values matched to a target field's options (picklists, stages, owners).

A value matches an option by its internal value, else by the folded value or label (case,
accents, punctuation and spacing folded). Owners match by id, e-mail or name; deal stages by id
or label within one pipeline. Fuzzy suggestions are offered for the user to pick; nothing here
applies them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from crm_migrate.mapping.transforms import VALUE_SYNONYMS, fold_key
from crm_migrate.schema import OWNER_FIELD, FieldSpec, ObjectSchema, Pipeline

MULTI_SEPARATOR = ";"
SUGGEST_CUTOFF = 70  # rapidfuzz WRatio a suggestion needs to be shown


@dataclass(frozen=True)
class Match:
    """An option a file value matched: its internal value and whether the target hides it."""

    value: str
    hidden: bool = False


class OptionMatcher:
    """Match file values to a set of options (value, label); hidden options match but say so."""

    def __init__(self, options: Iterable[tuple[str, str]],
                 hidden: Iterable[tuple[str, str]] = (), *, extra_keys: dict[str, str] | None = None,
                 synonyms: bool = False) -> None:
        self.options = tuple(options)
        self.hidden_options = tuple(hidden)
        self.labels = {value: label for value, label in (*self.options, *self.hidden_options)}
        self._exact: dict[str, Match] = {}
        self._folded: dict[str, Match] = {}
        for pairs, is_hidden in ((self.options, False), (self.hidden_options, True)):
            for value, label in pairs:
                match = Match(value, is_hidden)
                self._exact.setdefault(value, match)
                for key in (fold_key(value), fold_key(label)):
                    if key:
                        self._folded.setdefault(key, match)
        for key, value in (extra_keys or {}).items():
            if value in self.labels and fold_key(key):
                self._folded.setdefault(fold_key(key), Match(value, value not in dict(self.options)))
        if synonyms:  # curated translations of the built-in options (Kunde -> customer), not fuzzy
            for value, _ in self.options:
                for word in VALUE_SYNONYMS.get(value, []):
                    self._folded.setdefault(fold_key(word), Match(value))

    def __bool__(self) -> bool:
        return bool(self.options or self.hidden_options)

    def match(self, text: str) -> Match | None:
        """The option `text` names (internal value, else folded value/label), or None."""
        text = text.strip()
        if not text:
            return None
        found = self._exact.get(text)
        if found is None:
            key = fold_key(text)
            found = self._folded.get(key) or self._folded.get(key.replace(" ", ""))
        return found

    def suggestions(self, text: str, limit: int = 3) -> list[str]:
        """Options that look like `text` (rapidfuzz over labels and values), best first; only
        ever shown, never applied."""
        key = fold_key(text)
        if not key:
            return []
        choices = {fold_key(label) or fold_key(value): value for value, label in self.options}
        choices.update({fold_key(value): value for value, _ in self.options if fold_key(value)})
        out: list[str] = []
        for hit, _score, _ in process.extract(key, list(choices), scorer=fuzz.WRatio,
                                              limit=limit * 2, score_cutoff=SUGGEST_CUTOFF):
            if choices[hit] not in out:
                out.append(choices[hit])
        return out[:limit]

    def label(self, value: str) -> str:
        return self.labels.get(value, value)


def field_matcher(spec: FieldSpec, schema: ObjectSchema | None = None, *,
                  synonyms: bool = False) -> OptionMatcher:
    """The matcher of an enumeration-like field: owners by id/e-mail/name for the owner field;
    `synonyms` adds the curated translations of the built-in options (for pre-filled maps the
    user sees, never at clean)."""
    extra: dict[str, str] = {}
    if spec.name == OWNER_FIELD and schema is not None:
        for owner in schema.owners:
            for key in (owner.email, owner.name):
                if key:
                    extra[key] = owner.id
    return OptionMatcher(spec.options, spec.hidden_options, extra_keys=extra,
                         synonyms=synonyms and not spec.custom)


def stage_matcher(pipeline: Pipeline) -> OptionMatcher:
    """A pipeline's stages (archived ones as hidden) by id or label."""
    return OptionMatcher([(s.id, s.label) for s in pipeline.stages if not s.archived],
                         [(s.id, s.label) for s in pipeline.stages if s.archived])


def default_pipeline(schema: ObjectSchema) -> Pipeline | None:
    """The pipeline a deal goes into when nothing names one: `default`, else the first live one."""
    live = [p for p in schema.pipelines if not p.archived]
    return next((p for p in live if p.id == "default"), live[0] if live else None)


def split_multi(text: str) -> list[str]:
    """A multi-select cell's parts (';'-separated), trimmed, empty parts dropped."""
    return [part.strip() for part in text.split(MULTI_SEPARATOR) if part.strip()]


def exact_value_map(values: Iterable[str], spec: FieldSpec, schema: ObjectSchema | None = None,
                    *, synonyms: bool = True) -> dict[str, str | None]:
    """Each distinct value (each part of a multi-select) -> the option it names by value or
    folded label (or a curated synonym of a built-in option), or None. Case/accent variants of
    one value get one entry (the first seen)."""
    matcher = field_matcher(spec, schema, synonyms=synonyms)
    out: dict[str, str | None] = {}
    seen: set[str] = set()
    for value in values:
        for part in (split_multi(value) if spec.multi else [str(value).strip()]):
            key = fold_key(part) or part
            if not part or key in seen:
                continue
            seen.add(key)
            found = matcher.match(part)
            out[part] = found.value if found else None
    return out
