"""Header evidence: score a normalised header against the synonym table and schema labels."""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

from rapidfuzz import fuzz, process

from crm_migrate.mapping.abbreviations import (
    STOP_WORDS,
    STRONG,
    TYPE_PREFIXES,
    header_forms,
    phrase_quality,
)
from crm_migrate.mapping.headers import QUALIFIERS, HeaderKey, tokens_of
from crm_migrate.mapping.synonyms import phrase_table
from crm_migrate.schema import OBJECTS, ObjectSchema, builtin_schema

Candidates = dict[str, tuple[float, str]]  # field -> (score, reason)


def _add(cands: Candidates, field_name: str, score: float, reason: str) -> None:
    if score > cands.get(field_name, (0.0, ""))[0]:
        cands[field_name] = (score, reason)


IGNORE_TOKENS = frozenset({"yomi", "phonetic", "fax", "telefax", "pager", "checksum", "guid", "uuid",
                           "latitude", "longitude", "timezone", "ip", "geocode", "optout"})
IGNORE_PHRASES = ("do not modify", "opt out", "opted out", "unsubscribed", "do not call")
ABBREVIATION_REASON = "header abbreviates"
ADDRESS_WORDS = frozenset({"address", "adresse", "addr", "anschrift", "indirizzo", "direccion", "endereco"})


def _singular(token: str) -> str:
    if len(token) > 4 and token.endswith("sses"):
        return token[:-2]
    if len(token) > 4 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def _variants(key: HeaderKey) -> list[tuple[str, float]]:
    """Header texts to look up: as written, singular, without a leading "Address", without qualifiers."""
    out = [(" ".join(key.all_tokens), 1.0)]
    singular = [_singular(t) for t in key.all_tokens]
    if singular != key.all_tokens:
        out.append((" ".join(singular), 0.97))
    out.extend(_qualifier_variants(key.all_tokens, 1.0))
    if len(key.all_tokens) > 1 and key.all_tokens[0] in TYPE_PREFIXES:  # "txtCounty", "dtmDOB"
        out.append((" ".join(key.all_tokens[1:]), 0.95))
        out.extend(_qualifier_variants(key.all_tokens[1:], 0.95))
    if len(key.all_tokens) > 1 and key.all_tokens[0] in ADDRESS_WORDS:
        rest = key.all_tokens[1:]
        out.append((" ".join(rest), 0.99))
        out.extend(_qualifier_variants(rest, 0.99))
    return out


def _qualifier_variants(tokens: list[str], base: float) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    quals = [i for i, t in enumerate(tokens) if t in QUALIFIERS]
    for n in range(1, min(len(quals), 3) + 1):
        for drop in combinations(quals, n):
            kept = [t for i, t in enumerate(tokens) if i not in drop]
            if kept:
                weight = min(QUALIFIERS[tokens[i]] for i in drop)
                out.append((" ".join(kept), weight * base))
    return out


def _index_penalty(index: int | None) -> float:
    if index is None or index <= 1:
        return 0.0
    return 0.1 if index == 2 else 0.15


@lru_cache(maxsize=16)
def _schema_phrases(object_name: str, names: tuple[tuple[str, str], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, label in names:
        for text in (name, label):
            phrase = " ".join(tokens_of(text))
            if phrase:
                out.setdefault(phrase, name)
    return out


@lru_cache(maxsize=8)
def _canonical(object_name: str) -> frozenset[str]:
    return frozenset(builtin_schema(object_name).fields) if object_name in OBJECTS else frozenset()


def header_candidates(key: HeaderKey, object_name: str, schema: ObjectSchema | None) -> Candidates:
    """Field -> (score, reason) from the header alone; pseudo-fields start with '_'."""
    cands: Candidates = {}
    if key.meaningless:
        return cands
    table = phrase_table(object_name)
    penalty = _index_penalty(key.index)
    allowed = set(schema.fields) if schema is not None else None

    def ok(field_name: str) -> bool:
        return field_name.startswith("_") or allowed is None or field_name in allowed

    full = " ".join(key.all_tokens)
    if set(key.all_tokens) & IGNORE_TOKENS or any(p in full for p in IGNORE_PHRASES):
        _add(cands, "_ignore", 0.95, "header names data that is not a CRM field")
    exact = False
    for text, weight in _variants(key):
        hit = table.get(text)
        if hit and ok(hit[0]):
            exact = True
            _add(cands, hit[0], hit[1] * weight - penalty, f"header matches '{text}'")
    if schema is not None:
        pairs = tuple(sorted((f.name, f.label) for f in schema.fields.values()))
        labels = _schema_phrases(schema.object, pairs)
        for text, weight in _variants(key):
            name = labels.get(text)
            if name:
                exact = True
                # a live property that is not canonical yields to an explicit leave-out (owner ids...)
                base = 0.97 if name in _canonical(schema.object) else 0.9
                _add(cands, name, base * weight - penalty, f"header matches the field's label '{text}'")
    if exact:
        return cands
    # a known phrase inside a longer header ("Contact Email Address")
    for phrase, (field_name, weight) in table.items():
        if len(phrase) < 4 or not ok(field_name):
            continue
        ptoks = phrase.split()
        n = len(ptoks)
        toks = key.all_tokens
        for i in range(len(toks) - n + 1):
            if toks[i : i + n] == ptoks:
                extra = len(toks) - n
                score = (0.74 - 0.05 * max(extra - 1, 0)) * weight - penalty
                _add(cands, field_name, score, f"header contains '{phrase}'")
                break
    if len(full) >= 5:
        match = process.extractOne(full, list(table), scorer=fuzz.ratio, score_cutoff=86)
        if match:
            phrase = match[0]
            field_name, weight = table[phrase]
            if ok(field_name):
                score = (0.6 + 0.2 * (match[1] - 86) / 14) * weight - penalty
                _add(cands, field_name, score, f"header resembles '{phrase}'")
    for field_name, (score, reason) in abbreviation_candidates(key, object_name).items():
        if ok(field_name):
            _add(cands, field_name, score - penalty, reason)
    return cands


@lru_cache(maxsize=4096)
def _abbreviation_hits(tokens: tuple[str, ...], object_name: str) -> tuple[tuple[str, float, str], ...]:
    hits: Candidates = {}
    table = phrase_table(object_name)
    for form, form_weight in header_forms(list(tokens)):
        if not form:
            continue
        for phrase, (field_name, weight) in table.items():
            words = tuple(phrase.split())
            if words[0][0] != form[0][0] and words[0] not in STOP_WORDS:
                continue
            quality = phrase_quality(form, words)
            if quality and (quality >= STRONG or field_name != "_ignore"):  # never left out on a weak guess
                _add(hits, field_name, 0.82 * quality * weight * form_weight, f"{ABBREVIATION_REASON} '{phrase}'")
    best = max((score for score, _ in hits.values()), default=0.0)
    # only the best readings: a weaker one beside them is noise ("fnm": fname, not family name)
    return tuple((name, score, reason) for name, (score, reason) in hits.items() if score >= best - 0.03)


def abbreviation_candidates(key: HeaderKey, object_name: str) -> Candidates:
    """Fields whose synonyms the header abbreviates (CMP_NM -> company name); never confident."""
    return {name: (score, reason) for name, score, reason in _abbreviation_hits(tuple(key.all_tokens), object_name)}
