"""Auto-mapping: one suggested field (or split, or nothing) per column, with a confidence."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from crm_migrate.mapping.evidence import Evidence, country_code, gather
from crm_migrate.mapping.headers import HeaderKey, fold, parse_header, tokens_of
from crm_migrate.mapping.matching import ABBREVIATION_REASON, Candidates, header_candidates
from crm_migrate.mapping.personal import NOT_PERSONAL, PersonalFlag, detect_personal
from crm_migrate.mapping.synonyms import AMBIGUOUS_NAMES
from crm_migrate.mapping.valuemaps import exact_value_map, field_matcher
from crm_migrate.mapping.valueprofile import value_candidates, value_veto
from crm_migrate.schema import OWNER_FIELD, FieldSpec, ObjectSchema, builtin_schema
from crm_migrate.table import SourceTable

MIN_SCORE = 0.5
# a name column splits into first/last when this share of its values looks like people's names
PERSON_SPLIT_SHARE = 0.6
EMPTY_REASON = "empty column"
MOBILE_WORDS = {"mobile", "cell", "cellular", "handy", "mobil", "portable", "movil", "cellulare",
                "celular", "telemovel", "mobiel", "gsm", "iphone"}
HOME_WORDS = {"home", "private", "personal", "privat", "domicile", "casa", "thuis", "prive"}
OTHER_WORDS = {"other", "fax", "pager", "assistant", "main"}

# field -> value kinds that confirm it; strong kinds contradict when absent
STRONG_KINDS: dict[str, tuple[str, ...]] = {
    "email": ("email",), "phone": ("phone",), "mobilephone": ("phone",),
    "date_of_birth": ("date",), "closedate": ("date",), "website": ("url", "domain"),
    "domain": ("domain", "url"), "amount": ("number",), "annualrevenue": ("number",),
    "numberofemployees": ("number",),
}
SOFT_KINDS: dict[str, tuple[str, ...]] = {
    "zip": ("postcode",), "country": ("country",), "state": ("state", "subdivision"),
    "lifecyclestage": ("lifecycle",), "dealstage": ("stage",), "address": ("street",),
}
TEXT_FIELDS = {"firstname", "lastname", "company", "jobtitle", "city", "name", "dealname",
               "industry", "address", "state", "country"}


@dataclass
class Suggestion:
    """The suggested target of one column: a field, a split, or None (leave out)."""

    column: str
    field: str | None
    confidence: float
    split_into: list[str] | None = None
    reason: str = ""
    personal: PersonalFlag = NOT_PERSONAL
    evidence: str | None = None  # header | values | both: what the suggestion rests on

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"suggested_field": self.field, "confidence": round(self.confidence, 2),
                                  "evidence": self.evidence, "reason": self.reason}
        if self.split_into:
            out["split_into"] = list(self.split_into)
        out.update(self.personal.to_dict())
        return out


SAMPLE_ROWS = 5000


def _values(table: SourceTable, column: str) -> list[str]:
    return ["" if v is None or v != v else str(v) for v in table.frame[column].tolist()]


def _sampled(table: SourceTable) -> SourceTable:
    """The table itself, or evenly spaced rows of it when it is large (evidence needs a sample)."""
    rows = len(table.frame)
    if rows <= SAMPLE_ROWS:
        return table
    step = rows / SAMPLE_ROWS
    frame = table.frame.iloc[[int(i * step) for i in range(SAMPLE_ROWS)]]
    return SourceTable(frame=frame, detection=table.detection, label=table.label)


def _guess_region(table: SourceTable, evidence: dict[str, Evidence]) -> str | None:
    """A region for phone parsing: the commonest country in a country-looking column."""
    for column, ev in evidence.items():
        if ev.share("country") >= 0.6:
            codes = Counter(c for v in _values(table, column) if v.strip() and (c := country_code(v)))
            if codes:
                return codes.most_common(1)[0][0]
    return None


def _label_columns(keys: dict[str, HeaderKey]) -> dict[tuple[int, tuple[str, ...]], str]:
    """(index, words) -> the first column labelling them, as Google's "Phone 1 - Label/Type"."""
    out: dict[tuple[int, tuple[str, ...]], str] = {}
    for column, other in keys.items():
        if other.index is not None and other.all_tokens[-1:] in (["type"], ["label"]):
            out.setdefault((other.index, tuple(other.all_tokens[:-1])), column)
    return out


def _sibling_label(key: HeaderKey, label_columns: dict[tuple[int, tuple[str, ...]], str],
                   table: SourceTable) -> str | None:
    """For Google's "Phone 1 - Value": the kind named in "Phone 1 - Label/Type" (mobile/home/...)."""
    if key.index is None:
        return None
    column = label_columns.get((key.index, tuple(key.all_tokens)))
    if column is None:
        return None
    words: Counter[str] = Counter()
    for value in _values(table, column):
        for tok in fold(value).replace("*", " ").split():
            words[tok] += 1
    if not words:
        return None
    top = {w for w, _ in words.most_common(3)}
    if top & MOBILE_WORDS:
        return "mobile"
    if top & HOME_WORDS:
        return "home"
    if top & OTHER_WORDS:
        return "other"
    return "work"


def _apply_values(field_name: str, score: float, ev: Evidence) -> float:
    """Raise or lower a header score by what the values look like."""
    veto = value_veto(field_name, ev)
    if veto:
        return score * veto[0]
    if field_name == "website" and ev.share("social") >= 0.5:
        return score * 0.5  # social-network profiles are not the contact's website
    if field_name in STRONG_KINDS:
        share = max(ev.share(k) for k in STRONG_KINDS[field_name])
        if share >= 0.8:
            return score + 0.05
        if share < 0.5:
            return score * 0.6
        return score - 0.1
    if field_name in SOFT_KINDS:
        share = max(ev.share(k) for k in SOFT_KINDS[field_name])
        if field_name in ("lifecyclestage",) and score < 0.9 and share < 0.5:
            return 0.0
        if share >= 0.6:
            return score + 0.03
        if share < 0.2 and field_name not in ("address", "state"):
            return score * 0.85
    if field_name in TEXT_FIELDS or field_name.startswith("_"):
        noisy = max(ev.share("email"), ev.share("url"), ev.share("date"))
        if field_name not in ("address",):
            noisy = max(noisy, ev.share("phone") if field_name not in ("zip",) else 0.0)
        if noisy >= 0.5 and field_name not in ("_ignore",):
            return score * 0.5
    return score


def _vetoed(field_name: str, why: str, ev: Evidence) -> str:
    """A candidate's reason, with why the values speak against it when they do."""
    veto = value_veto(field_name, ev)
    return f"{why}; {veto[1]}" if veto else why


def abbreviation_fits(field_name: str, ev: Evidence) -> bool:
    """Whether the values confirm a field guessed from an abbreviated header (they must, or no guess)."""
    if field_name.startswith("_"):
        return True
    kinds = STRONG_KINDS.get(field_name) or SOFT_KINDS.get(field_name)
    if kinds:
        return max(ev.share(k) for k in kinds) >= (0.3 if field_name == "address" else 0.5)
    if field_name in TEXT_FIELDS:
        return ev.share("text") >= 0.6 and ev.share("id") < 0.5
    return True


def _option_key(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def _picklist_fit(cands: Candidates, values: list[str], schema: ObjectSchema) -> Candidates:
    """A picklist whose options the values do not name (a system field's own set) is no confident target.

    Fields with their own value evidence (lifecycle and deal stages) are judged there.
    """
    out = dict(cands)
    filled = [v for v in values if v.strip()]
    for field_name, (score, why) in cands.items():
        spec = schema.fields.get(field_name)
        if spec is None or not spec.options or field_name in SOFT_KINDS or not filled:
            continue
        known = {_option_key(t) for option in spec.options for t in option}
        fit = sum(1 for v in filled if _option_key(v) in known) / len(filled)
        if fit < 0.5:
            out[field_name] = (score * 0.5, f"{why}; {1 - fit:.0%} of values are not options of {field_name}")
    return out


# header words of a column naming a record's owner (the target's user it is assigned to)
OWNER_WORDS = frozenset({"owner", "rep", "salesperson", "assigned", "assignee", "betreuer",
                         "verantwortlich", "verantwortlicher", "zustandig", "responsable",
                         "proprietaire", "propietario", "proprietario", "eigenaar", "vendedor"})
LIVE_FIT = 0.8  # share of a column's values that must fit a target field's type to map it
_NUMBER_TEXT = re.compile(r"[-+(]?\s*(?:[$€£¥]|usd|eur|gbp|chf)?\s*\d[\d.,' \u00a0]*"
                          r"\s*(?:%|k|m|[$€£¥]|usd|eur|gbp|chf)?\)?", re.I)
_BOOL_WORDS = frozenset({"yes", "no", "true", "false", "y", "n", "1", "0", "ja", "nein", "oui",
                         "non", "si", "sí", "x", "on", "off", "wahr", "falsch"})


def _fits_type(spec: FieldSpec, values: list[str], ev: Evidence, schema: ObjectSchema) -> bool:
    """Whether a column's values fit a typed target field: numbers (percentages too) for a
    number, dates for a date, yes/no words for a checkbox, options for an enumeration. A text
    field has no such proof, so it never counts as fitting."""
    filled = [v.strip() for v in values if v.strip()]
    if not filled:
        return False
    if spec.type == "number":
        return sum(bool(_NUMBER_TEXT.fullmatch(v)) for v in filled) >= LIVE_FIT * len(filled)
    if spec.type in ("date", "datetime"):
        return ev.share("date") >= LIVE_FIT
    if spec.type == "bool":
        return sum(fold(v) in _BOOL_WORDS for v in filled) >= LIVE_FIT * len(filled)
    if spec.type == "enumeration" and (spec.options or spec.hidden_options):
        found = exact_value_map(list(dict.fromkeys(filled))[:500], spec, schema, synonyms=False)
        return bool(found) and sum(v is not None for v in found.values()) >= LIVE_FIT * len(found)
    return False


def _live_fields(cands: Candidates, key: HeaderKey, values: list[str], ev: Evidence,
                 schema: ObjectSchema) -> Candidates:
    """The target's own fields a column fills, from its live schema.

    - an owner column (its header names an owner, its values are the target's owners by
      e-mail, name or id) -> the owner field, whose value map turns them into owner ids;
    - a custom property whose label holds the header's words ("Probability" -> "Forecast
      Probability (%)", "Founded" -> "Year Founded"), when the values fit its type.
    Either beats a leave-out the synonym table gives for the header: that list stands for
    "no canonical field holds this", which a portal with such a field proves wrong. A
    header that names no-CRM data (fax, opt-out...) keeps its leave-out."""
    out = dict(cands)
    words = key.all_tokens
    if not words:
        return out
    found: dict[str, tuple[float, str]] = {}
    owner = schema.fields.get(OWNER_FIELD)
    if owner is not None and schema.owners and (OWNER_FIELD in cands or set(words) & OWNER_WORDS):
        filled = list(dict.fromkeys(v.strip() for v in values if v.strip()))[:500]
        matcher = field_matcher(owner, schema)
        if filled and sum(matcher.match(v) is not None for v in filled) >= LIVE_FIT * len(filled):
            found[OWNER_FIELD] = (0.97, "values are the target's owners")
    if len(" ".join(words)) >= 4:
        hits = []
        for spec in schema.fields.values():
            if not spec.custom or spec.read_only or spec.name in cands:
                continue
            label = tokens_of(spec.label)
            n = len(words)
            if any(label[i:i + n] == words for i in range(len(label) - n + 1)) \
                    and _fits_type(spec, values, ev, schema):
                hits.append(spec)
        if len(hits) == 1:  # two fields holding the header's words: the user decides
            found[hits[0].name] = (0.9, f"header is part of the field's label '{hits[0].label}'")
    for name, (score, why) in cands.items():  # an exact label match whose values fit
        named = schema.fields.get(name)
        if named is not None and named.custom and why.startswith("header matches the field's label") \
                and _fits_type(named, values, ev, schema):
            found[name] = (max(score, 0.9), why + "; the values fit its type")
    if not found:
        return out
    ignore = out.get("_ignore")
    if ignore is not None and ignore[1].startswith("header matches '"):
        out.pop("_ignore")
    for name, (score, why) in found.items():
        if score > out.get(name, (0.0, ""))[0]:
            out[name] = (score, why)
    return out


def _value_candidates(ev: Evidence, object_name: str, meaningless: bool) -> Candidates:
    """Candidates from values alone; never confident (< 0.9)."""
    cands: Candidates = {}
    n = ev.share

    def add(name: str, score: float, why: str) -> None:
        if score > cands.get(name, (0.0, ""))[0]:
            cands[name] = (score, why)

    if n("email") >= 0.8:
        add("email", 0.6 + 0.25 * n("email"), f"{n('email'):.0%} of values are emails")
    if n("social") >= 0.5:
        add("_ignore", 0.8, "values are social-network profile links")
    elif n("url") >= 0.8 or (n("domain") >= 0.8 and object_name == "contacts"):
        add("website", 0.72, "values are web addresses")
    if object_name == "companies" and n("domain") >= 0.8 and n("url") < 0.5:
        add("domain", 0.78, "values are domain names")
    if n("phone") >= 0.8 and n("date") < 0.3:
        add("phone", 0.68, "values are phone numbers")
    if n("country") >= 0.8 and n("state") < 0.5:
        add("country", 0.72, "values are country names")
    if n("csz") >= 0.6:
        add("_csz", 0.9, "values look like 'City, ST 12345'")
    if n("lifecycle") >= 0.8 and object_name == "contacts":
        add("lifecyclestage", 0.72, "values are lifecycle stages")
    if n("stage") >= 0.8 and object_name == "deals":
        add("dealstage", 0.72, "values are deal stages")
    if object_name == "deals" and n("date") >= 0.8 and meaningless:
        add("closedate", 0.55, "values are dates")
    if object_name == "deals" and n("money") >= 0.8:
        add("amount", 0.65, "values are money amounts")
    if n("person") >= (0.7 if meaningless else 0.8) and object_name == "contacts" and n("business") < 0.3:
        add("_fullname", 0.6, "values look like people's names")
    if n("id") >= 0.9 and ev.unique_share >= 0.95 and n("phone") < 0.5:
        add("_ignore", 0.7, "values look like record ids")
    if n("longtext") >= 0.5:
        add("_ignore", 0.7, "values are long free text")
    return cands


def person_like_share(ev: Evidence) -> float:
    """Share of a name column's values that are people's names or stand-ins ("Person 12").

    A stand-in sits where a person's name belongs, so it neither vetoes a first/last
    split nor counts as a company; a few odd values only lower the share.
    """
    return _person_share(ev) + ev.share("placeholder")


def _person_share(ev: Evidence) -> float:
    """Share of values that look like real people's names (two or three capitalised words)."""
    return max(ev.share("person"), ev.share("words") * 0.9)


def _resolve_pseudo(
    cands: Candidates, ev: Evidence, key: HeaderKey, object_name: str, has_first: bool, has_last: bool
) -> tuple[Candidates, list[str] | None]:
    """Turn _fullname/_title/_csz and ambiguous name headers into real choices."""
    split: list[str] | None = None
    out = dict(cands)
    person = person_like_share(ev)
    if "_fullname" in out:
        score, why = out.pop("_fullname")
        if object_name != "contacts":
            pass
        elif has_first and has_last:
            out["_ignore"] = max(out.get("_ignore", (0.0, "")), (score * 0.95, "full name beside first/last names"))
        elif has_first and not has_last:
            out["lastname"] = (score * 0.88, "name beside a first-name column")
        elif person >= PERSON_SPLIT_SHARE:
            split = ["firstname", "lastname"]
            sure = score >= 0.9 and _person_share(ev) >= 0.8  # stand-ins never make it sure
            out["_split"] = (0.93 if sure else min(score, 0.85), why + "; values are full names")
        elif ev.share("word") >= 0.6 and not has_last:
            out["lastname"] = max(out.get("lastname", (0.0, "")), (score * 0.7, "single-word names"))
    if "_title" in out:
        score, why = out.pop("_title")
        if ev.share("salutation") >= 0.5:
            out["_ignore"] = (0.95, "values are salutations")
        elif object_name == "contacts" and ev.share("salutation") < 0.2:
            out["jobtitle"] = (0.86, why + "; values are job titles")
    if "_csz" in out:
        score, why = out.pop("_csz")
        if ev.share("csz") >= 0.6:
            split = ["city", "state", "zip"]
            out["_split"] = (0.93 if score >= 0.9 else 0.8, why)
        else:
            out["_ignore"] = max(out.get("_ignore", (0.0, "")), (score * 0.8, why))
    text = " ".join(key.all_tokens)
    if object_name == "contacts" and text in AMBIGUOUS_NAMES and split is None:
        for own, _other, present in (("firstname", "lastname", has_last), ("lastname", "firstname", has_first)):
            if own in out and not present and person >= PERSON_SPLIT_SHARE:
                split = ["firstname", "lastname"]
                out["_split"] = (out.pop(own)[0] * 0.9, f"'{key.raw}' holds whole names")
    return out, split


# header words of a column holding an organisation's name
ORG_NAME_HEADERS = ("name", "naam", "nom", "nombre", "nome", "company", "organization", "account")
# contact fields that only a file of people has
PERSON_FIELDS = {"firstname", "lastname", "_fullname", "date_of_birth"}
# mailbox names of an organisation, not of a person
ROLE_MAILBOXES = {
    "info", "contact", "contacts", "sales", "office", "hello", "mail", "support", "admin", "kontakt",
    "team", "service", "billing", "enquiries", "inquiries", "hr", "marketing", "post", "buero",
    "bureau", "welcome", "accounts", "noreply", "no-reply", "press", "jobs", "careers", "help",
    "orders", "invoice", "invoices", "accounting", "webmaster", "general", "reception", "zentrale",
}


def _personal_email_share(values: list[str]) -> float:
    """Share of the emails in a column whose mailbox is a person's (not info@, sales@, ...)."""
    emails = [v.strip().lower() for v in values if "@" in v]
    if not emails:
        return 0.0
    personal = sum(1 for e in emails if e.split("@", 1)[0].strip() not in ROLE_MAILBOXES)
    return personal / len(emails)


def object_scores(table: SourceTable) -> dict[str, float]:
    """How much the headers and values of a file speak for contacts, companies and deals."""
    keys = [parse_header(c) for c in table.columns]
    sample = _sampled(table)
    distinct = {
        "contacts": {"email", "firstname", "lastname", "mobilephone", "jobtitle", "date_of_birth",
                     "lifecyclestage", "_fullname"},
        "companies": {"domain", "industry", "numberofemployees", "annualrevenue"},
        "deals": {"dealname", "amount", "closedate", "dealstage", "pipeline"},
    }
    scores: dict[str, float] = {}
    people = False  # first/last/full-name columns or personal emails: a file of people
    for object_name, wanted in distinct.items():
        total = 0.0
        for column, key in zip(table.columns, keys, strict=True):
            cands = header_candidates(key, object_name, None)
            best = max(cands.items(), key=lambda kv: kv[1][0], default=None)
            if best and best[0] in wanted and best[1][0] >= 0.8:
                total += 1.0 if best[0] != "_fullname" else 0.5
                if object_name == "contacts" and best[0] in PERSON_FIELDS and \
                        " ".join(key.all_tokens) not in AMBIGUOUS_NAMES:  # "Name": values decide
                    people = True
                if object_name == "contacts" and best[0] == "email" and \
                        _personal_email_share(_values(sample, column)) >= 0.5:
                    people = True
        scores[object_name] = total
    for column, key in zip(table.columns, keys, strict=True):
        if " ".join(key.all_tokens) in ORG_NAME_HEADERS:
            ev = gather(_values(sample, column))
            if ev.share("company") >= 0.3 and ev.share("person") < 0.3 and not people:
                scores["companies"] += 1.0  # names with GmbH/Inc/Ltd and no people: a list of companies
            elif ev.share("person") >= 0.5:
                scores["contacts"] += 0.5
    unnamed = [gather(_values(sample, c)) for c, key in zip(table.columns, keys, strict=True) if key.meaningless]
    if any(max(ev.share("given"), ev.share("knownperson")) >= 0.6 for ev in unnamed):
        scores["contacts"] += 1.0  # headers that say nothing over people's names
    elif not people and any(ev.share("domain") >= 0.8 for ev in unnamed) and \
            any(ev.share("business") >= 0.5 for ev in unnamed):
        scores["companies"] += 1.0  # ... or over firm names beside their web domains
    return scores


def guess_object(table: SourceTable) -> str:
    """contacts, companies or deals, judged from headers and values.

    A "Company" column full of Inc/GmbH names is the employer of each contact when the
    file also has people's names or personal emails; only without those is it a list
    of companies (whose other evidence is domain, industry, employees, revenue).
    """
    scores = object_scores(table)
    if scores["deals"] >= 2 and scores["deals"] >= scores["contacts"]:
        return "deals"
    if scores["companies"] >= 1 and scores["companies"] > scores["contacts"] - 1:
        return "companies"
    return "contacts"


def suggest_mappings(
    table: SourceTable, object_name: str | None = None, schema: ObjectSchema | None = None
) -> list[Suggestion]:
    """One Suggestion per column, in column order, assigned one-to-one over all columns."""
    object_name = object_name or (schema.object if schema is not None else guess_object(table))
    schema = schema if schema is not None else builtin_schema(object_name)
    table = _sampled(table)
    columns = table.columns
    keys = {c: parse_header(c) for c in columns}
    evidence = {c: gather(_values(table, c)) for c in columns}
    region = _guess_region(table, evidence)
    phone_cols = sum(1 for ev in evidence.values() if ev.share("phone") >= 0.6)
    if region:
        evidence = {c: gather(_values(table, c), region=region) if ev.share("phone") >= 0.5 else ev
                    for c, ev in evidence.items()}

    profiled = value_candidates(columns, evidence, {c: _values(table, c) for c in columns}, object_name, region)
    raw: dict[str, Candidates] = {}
    for column in columns:
        key, ev = keys[column], evidence[column]
        cands = header_candidates(key, object_name, schema)
        if key.prefix and key.prefix != object_name:
            cands = _foreign_prefix(cands, key, object_name)
        raw[column] = _header_rules(cands, key)

    # per field, the first two columns whose header names it (one is enough unless it is the asker)
    named_by: dict[str, list[str]] = {}
    for column in columns:
        if evidence[column].non_empty and " ".join(keys[column].all_tokens) not in AMBIGUOUS_NAMES:
            for field_name, (score, _) in raw[column].items():
                holders = named_by.setdefault(field_name, [])
                if score >= 0.8 and len(holders) < 2:
                    holders.append(column)

    def header_has(field_name: str, exclude: str) -> bool:
        return any(c != exclude for c in named_by.get(field_name, ()))

    label_columns = _label_columns(keys)
    flags = {c: detect_personal(c, _values(table, c), object_name, evidence[c]) for c in columns}
    scored: dict[str, Candidates] = {}
    splits: dict[str, list[str]] = {}
    backed: dict[str, set[str]] = {}
    for column in columns:
        key, ev = keys[column], evidence[column]
        if ev.non_empty == 0 or flags[column].sensitive:
            continue
        resolved, split = _resolve_pseudo(raw[column], ev, key, object_name,
                                          header_has("firstname", column), header_has("lastname", column))
        cands = {f: (_apply_values(f, s, ev), _vetoed(f, why, ev)) for f, (s, why) in resolved.items()
                 if not why.startswith(ABBREVIATION_REASON) or abbreviation_fits(f, ev)}
        # what the values back: a score they raised, an abbreviation they confirmed, a name they split
        backed[column] = {f for f, (s, why) in cands.items() if s > resolved[f][0] or why.startswith(
            ABBREVIATION_REASON) or why.endswith(("values are full names", "values are job titles"))}
        cands = _picklist_fit(cands, _values(table, column), schema)
        cands = _live_fields(cands, key, _values(table, column), ev, schema)
        label = _sibling_label(key, label_columns, table)
        from_values = _value_candidates(ev, object_name, key.meaningless)
        for field_name, (score, why) in profiled.get(column, {}).items():
            if score > from_values.get(field_name, (0.0, ""))[0]:
                from_values[field_name] = (score, why)
        for field_name, (score, why) in from_values.items():
            if not field_name.startswith("_") and field_name not in schema.fields:
                continue
            backed[column].add("_split" if field_name in ("_fullname", "_csz") else field_name)
            if field_name == "_csz" and cands.get("_split", (0.0,))[0] < score:
                split = ["city", "state", "zip"]
                cands["_split"] = (score, why)
            elif field_name == "_fullname":
                if not header_has("firstname", column) and not header_has("lastname", column) \
                        and not any(s >= MIN_SCORE for s, _ in cands.values()):
                    split = ["firstname", "lastname"]
                    cands.setdefault("_split", (score, why))
            elif score > cands.get(field_name, (0.0, ""))[0]:
                cands[field_name] = (score, why)
        _mobile(cands, ev, key, label, phone_cols, schema)
        if cands.get("mobilephone", (0.0, ""))[1].endswith("; mobile numbers"):
            backed[column].add("mobilephone")
        if split:
            splits[column] = split
        scored[column] = cands
    suggestions = _assign(columns, scored, splits, evidence)
    for suggestion in suggestions:
        header = {f for f, (s, _) in raw[suggestion.column].items() if s >= MIN_SCORE}
        suggestion.evidence = evidence_source(suggestion, header, backed.get(suggestion.column, set()))
        flag = flags[suggestion.column]
        suggestion.personal = flag
        if flag.sensitive and evidence[suggestion.column].non_empty:
            suggestion.confidence = 0.95
            suggestion.reason = f"sensitive data ({flag.reason}): map it on purpose"
    return suggestions


# fields a header word stands for although the suggestion names another (values chose among them)
HEADER_FAMILIES: dict[str, frozenset[str]] = {
    "mobilephone": frozenset({"phone", "mobilephone"}), "phone": frozenset({"phone", "mobilephone"}),
    "jobtitle": frozenset({"jobtitle", "_title"}), "lastname": frozenset({"lastname", "_fullname"}),
    "_split": frozenset({"_fullname", "_csz", "firstname", "lastname"}),
}
FALLBACK_REASONS = ("no matching field", "went to a better column")


def evidence_source(suggestion: Suggestion, header: set[str], values: set[str]) -> str | None:
    """What a suggestion rests on: "header", "values" or "both" (None when nothing was suggested)."""
    if suggestion.reason == EMPTY_REASON:
        return "values"
    if suggestion.field is None and not suggestion.split_into and suggestion.reason.endswith(FALLBACK_REASONS):
        return None
    target = suggestion.field or ("_split" if suggestion.split_into else "_ignore")
    by_header = bool(HEADER_FAMILIES.get(target, frozenset({target})) & header)
    by_values = target in values
    if by_header and by_values:
        return "both"
    return "header" if by_header else "values" if by_values else None


def _header_rules(cands: Candidates, key: HeaderKey) -> Candidates:
    """"Last Name, First Name" is a whole name; "Street 2"/"Address Line 2" continue an address."""
    out = dict(cands)
    if "firstname" in out and "lastname" in out:
        score = max(out.pop("firstname")[0], out.pop("lastname")[0])
        out["_fullname"] = (score, "header names both first and last name")
    if key.index is not None and key.index >= 2 and "address" in out:
        out.pop("address")
        out["_ignore"] = max(out.get("_ignore", (0.0, "")), (0.9, "a second address line"))
    return out


def _foreign_prefix(cands: Candidates, key: HeaderKey, object_name: str) -> Candidates:
    """A "Organization - Name" column in a contacts file is the company; other foreign ones go."""
    text = " ".join(key.all_tokens)
    if object_name == "contacts" and key.prefix == "companies" and text in ("name", "organization name"):
        return {"company": (0.9, "organization name column")}
    return {"_ignore": (0.9, f"belongs to {key.prefix}, not {object_name}")}


def _mobile(cands: Candidates, ev: Evidence, key: HeaderKey, label: str | None, phone_cols: int,
            schema: ObjectSchema) -> None:
    """Two phone columns: the one labelled or valued as mobile becomes mobilephone."""
    if "phone" not in cands or "mobilephone" not in schema.fields:
        return
    score, why = cands["phone"]
    if label == "mobile" or (phone_cols >= 2 and ev.mobile_share >= 0.7 and key.qualifier is None):
        cands["mobilephone"] = (max(cands.get("mobilephone", (0.0, ""))[0], score), why + "; mobile numbers")
        cands["phone"] = (score - 0.15, why)
    elif label in ("home", "other"):
        cands["phone"] = (score * (0.9 if label == "home" else 0.85), why + f"; labelled {label}")


def _assign(columns: list[str], scored: dict[str, Candidates], splits: dict[str, list[str]],
            evidence: dict[str, Evidence]) -> list[Suggestion]:
    """Greedy one-to-one assignment by score; losers are left unmapped, not forced."""
    position = {column: number for number, column in enumerate(columns)}
    flat = sorted(
        ((score, position[col], col, f, why) for col, cands in scored.items()
         for f, (score, why) in cands.items() if score >= MIN_SCORE),
        key=lambda t: (-t[0], -evidence[t[2]].non_empty, t[1]),
    )
    candidates_of: dict[str, list[tuple[str, float]]] = {}  # field -> (column, score) of every column
    for col, cands in scored.items():
        for f, (s, _) in cands.items():
            candidates_of.setdefault(f, []).append((col, s))
    taken: dict[str, float] = {}
    result: dict[str, Suggestion] = {}
    lost: dict[str, str] = {}
    for score, _, column, field_name, why in flat:
        if column in result:
            continue
        if field_name == "_ignore":
            result[column] = Suggestion(column, None, round(min(score, 0.95), 2), reason=why)
            continue
        targets = splits[column] if field_name == "_split" else [field_name]
        if any(t in taken for t in targets):
            lost.setdefault(column, field_name)
            continue
        for t in targets:
            taken[t] = score
        rivals = [s for t in targets for c, s in candidates_of.get(t, ()) if c != column and c not in result
                  and evidence[c].non_empty >= 0.5 * evidence[column].non_empty]
        confidence = score
        if rivals and max(rivals) >= score - 0.05:
            confidence = min(confidence, 0.85)
        if field_name == "_split":
            result[column] = Suggestion(column, None, round(min(confidence, 0.99), 2),
                                        split_into=list(targets), reason=why)
        else:
            result[column] = Suggestion(column, field_name, round(min(confidence, 0.99), 2), reason=why)
    out: list[Suggestion] = []
    for column in columns:
        if column in result:
            out.append(result[column])
        elif evidence[column].non_empty == 0:
            out.append(Suggestion(column, None, 0.95, reason=EMPTY_REASON))
        elif column in lost:
            out.append(Suggestion(column, None, 0.6, reason=f"'{lost[column]}' went to a better column"))
        else:
            out.append(Suggestion(column, None, 0.6, reason="no matching field"))
    return out
