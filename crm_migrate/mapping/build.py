"""Build a profile from the suggestions over one or more files."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import phonenumbers

from crm_migrate.mapping.evidence import country_code
from crm_migrate.mapping.headers import parse_header, tokens_of
from crm_migrate.mapping.profile import FieldMapping, Profile
from crm_migrate.mapping.suggest import EMPTY_REASON, Suggestion, suggest_mappings
from crm_migrate.mapping.valuemaps import exact_value_map
from crm_migrate.schema import FieldSpec, ObjectSchema, builtin_schema
from crm_migrate.table import SourceTable

PICKLIST_FIELDS = ("lifecyclestage", "dealstage", "pipeline", "hs_lead_status")
VALUE_MAP_DISTINCT = 500  # distinct values of a column a pre-filled value map considers
_DOTTED = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")
_SLASHED = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})$")


def _values(tables: list[SourceTable], column: str) -> list[str]:
    out: list[str] = []
    for table in tables:
        if column in table.frame.columns:
            out.extend(str(v).strip() for v in table.frame[column].tolist() if str(v).strip())
    return out


def date_transform(values: list[str]) -> Any:
    """A date transform that suits the values: explicit day-first when the values show it."""
    if values and sum(bool(_DOTTED.match(v)) for v in values) >= 0.8 * len(values):
        return {"date": {"format": "%d.%m.%Y"}}
    if any("." in v for v in values if re.match(r"^\d{1,2}\.\d{1,2}\.", v)) and any(
        _SLASHED.match(v) for v in values
    ):
        return "date"  # mixed conventions: let the date parser judge each value
    first_big = second_big = 0
    for value in values:
        match = _SLASHED.match(value)
        if match:
            first_big += int(match.group(1)) > 12
            second_big += int(match.group(2)) > 12
    if first_big and not second_big:
        return {"date": {"dayfirst": True}}
    if second_big and not first_big:
        return {"date": {"dayfirst": False}}
    return "date"


def default_transforms(field_name: str, values: list[str], schema: ObjectSchema,
                       region: str | None) -> list[Any]:
    """The transforms a fresh profile attaches to a field."""
    spec = schema.get(field_name)
    if spec is None:
        return []
    if spec.type == "phone_number" or field_name in ("phone", "mobilephone"):
        return ["phone"]
    if field_name == "email":
        return ["email"]
    if spec.type in ("date", "datetime"):
        return [date_transform(values)]
    if spec.type == "enumeration" and (spec.options or spec.hidden_options):
        return value_map_transforms(values, spec, schema)
    return []


def value_map_transforms(values: list[str], spec: FieldSpec, schema: ObjectSchema) -> list[Any]:
    """A map_values transform for an enumeration-like field, pre-filled only from exact and
    folded matches (value or label; owners by e-mail or name; curated synonyms of the built-in
    options): a value with no such match stays out of the map, undecided, and clean reports
    it. Fuzzy look-alikes are suggested in the value-map editor, never written here."""
    distinct = list(dict.fromkeys(values))[:VALUE_MAP_DISTINCT]
    if spec.name == "dealstage" and len([p for p in schema.pipelines if not p.archived]) > 1:
        return []  # stage labels are matched per row within the row's pipeline at clean
    found = exact_value_map(distinct, spec, schema)
    mapping = {k: v for k, v in found.items() if v is not None and k != v}
    if spec.required and len(spec.options) == 1:
        only = spec.options[0][0]  # a required one-option picklist (one pipeline): nothing else fits
        mapping = {k: v or only for k, v in found.items() if k != only}
    if mapping:
        return [{"map_values": {"mapping": mapping}}]
    return []


def guess_region(tables: list[SourceTable], suggestions: dict[str, Suggestion]) -> str | None:
    """The commonest country of a mapped country column, as a region code."""
    for column, suggestion in suggestions.items():
        if suggestion.field == "country":
            codes = Counter(c for v in _values(tables, column) if (c := country_code(v)))
            if codes:
                return codes.most_common(1)[0][0]
    return None


def _rank(suggestion: Suggestion) -> tuple[int, float, int]:
    """Which file's suggestion a column shared by several files follows.

    An empty column has no say; otherwise the most confident wins, so a confident
    "leave out" (salutations under "Title") beats a guess made from another file.
    """
    has_values = suggestion.reason != EMPTY_REASON
    mapped = bool(suggestion.field or suggestion.split_into)
    return (int(has_values), suggestion.confidence, int(mapped))


def build_profile(
    tables: list[SourceTable],
    object_name: str,
    *,
    region: str | None = None,
    schema: ObjectSchema | None = None,
) -> Profile:
    """A profile from the suggestions over all files; unmapped columns are left out.

    The shared `fields` follow the best suggestion per column over all files. A file whose own
    suggestions map one of its columns differently (a vCard's Title is a job title, an Outlook
    export's a salutation) gets its own `fields` under `sources`, so no file's column silently
    loses its field to another file's."""
    schema = schema if schema is not None else builtin_schema(object_name)
    best: dict[str, Suggestion] = {}
    order: list[str] = []
    own: dict[str, dict[str, Suggestion]] = {}
    for table in tables:
        mine = own.setdefault(table.label, {})
        for suggestion in suggest_mappings(table, object_name, schema):
            column = suggestion.column
            mine[column] = suggestion
            if column not in best:
                order.append(column)
                best[column] = suggestion
                continue
            if _rank(suggestion) > _rank(best[column]):
                best[column] = suggestion
    _one_column_per_field(tables, best)
    region = region or guess_region(tables, best) or phone_region(tables, best)
    profile = Profile(object=object_name, fields=_mappings(order, best, tables, schema, region),
                      default_region=region)
    if len(tables) > 1:
        for table in tables:
            mine = own[table.label]
            _one_column_per_field([table], mine)
            if any(_target(mine[c]) != _target(best[c]) for c in table.columns if c in mine):
                columns = [c for c in table.columns if c in mine]
                profile.set_own_fields(table.label, _mappings(columns, mine, [table], schema, region))
    return profile


def _target(suggestion: Suggestion) -> tuple[str | None, tuple[str, ...]]:
    """What a suggestion fills: a field, or the fields of a split."""
    return suggestion.field, tuple(suggestion.split_into or ())


def _one_column_per_field(tables: list[SourceTable], best: dict[str, Suggestion]) -> None:
    """Two columns of one file must not fill one field: keep the fuller, then the more confident."""
    for table in tables:
        seen: dict[str, str] = {}
        for column in table.columns:
            s = best.get(column)
            if s is None or not s.field:
                continue
            other = seen.get(s.field)
            if other is None:
                seen[s.field] = column
                continue
            filled = {c: len(_values(tables, c)) for c in (column, other)}
            keep_other = (filled[other], best[other].confidence) >= (filled[column], s.confidence)
            loser = column if keep_other else other
            best[loser] = Suggestion(loser, None, 0.5, reason="field taken by another column")
            seen[s.field] = other if loser == column else column


def _mappings(order: list[str], best: dict[str, Suggestion], tables: list[SourceTable],
              schema: ObjectSchema, region: str | None) -> list[FieldMapping]:
    """The mapped columns' FieldMappings (with default transforms from these tables' values)."""
    house_numbers = _house_numbers(tables, best)
    fields: list[FieldMapping] = []
    for column in order:
        s = best[column]
        if s.split_into:
            fields.append(FieldMapping(column=column, split_into=list(s.split_into),
                                       confidence=s.confidence))
        elif s.field:
            transforms = default_transforms(s.field, _values(tables, column), schema, region)
            if s.field == "address" and column in house_numbers:
                number, first = house_numbers[column]
                parts = [number, column] if first else [column, number]
                transforms = [{"join": {"columns": parts, "separator": " "}}, *transforms]
            fields.append(FieldMapping(column=column, field=s.field, transforms=transforms,
                                       confidence=s.confidence))
    return fields


LANGUAGE_REGIONS: dict[str, tuple[str, ...]] = {
    "DE": ("telefon", "handy", "vorname", "nachname", "plz", "ort", "strasse", "firma", "geburtsdatum"),
    "FR": ("prenom", "telephone", "portable", "societe", "ville", "courriel", "pays", "rue"),
    "ES": ("apellido", "apellidos", "nombre", "telefono", "movil", "ciudad", "empresa", "direccion"),
    "IT": ("cognome", "cellulare", "azienda", "citta", "indirizzo", "cap", "nazione"),
    "PT": ("sobrenome", "apelido", "telemovel", "morada", "cidade", "concelho"),
    "BR": ("celular", "cep", "endereco", "bairro"),
    "NL": ("achternaam", "voornaam", "telefoonnummer", "mobiel", "bedrijf", "woonplaats", "plaats"),
}


REGION_ORDER = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "PT", "BR", "CA", "AU", "AT", "CH", "BE", "IE")


def _international(value: str) -> bool:
    """A number written with its own country code (+49 ..., 0049 ..., (+1) ...)."""
    return value.lstrip("( ").startswith(("+", "00"))


def _national_in(value: str, region: str) -> tuple[bool, bool]:
    """Whether `value` is a valid number of `region` written in that region's national format,
    and whether its digit groups are laid out as that region groups them.

    Validity alone is not enough: German numbering is so open that "(415) 555-0123" parses
    as a valid German number, but a German would write it with the trunk prefix "0".
    """
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return False, False
    if not phonenumbers.is_valid_number(number):
        return False, False
    number.extension = None
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    groups = re.findall(r"\d+", _EXTENSION.split(value)[0])
    written, national = "".join(groups), re.sub(r"\D", "", formatted)
    significant = phonenumbers.national_significant_number(number)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    trunk = (metadata.national_prefix or "") if metadata else ""
    fits = written == national or (national == significant and written == trunk + significant)
    return fits, fits and groups == re.findall(r"\d+", formatted)


_EXTENSION = re.compile(r"(?i)x|ext|#")


def phone_region(tables: list[SourceTable], suggestions: dict[str, Suggestion]) -> str | None:
    """The region whose national format most of the mapped phone numbers are written in.

    Only numbers without a +country code vote (a +49 number carries its own country);
    header language breaks ties. None when no region fits at least 60% of them.
    """
    words = {t for table in tables for c in table.columns for t in tokens_of(c)}
    preferred = [r for r, ws in LANGUAGE_REGIONS.items() if words & set(ws)]
    phones = [v for c, s in suggestions.items() if s.field in ("phone", "mobilephone")
              for v in _values(tables, c)[:100]]
    national = [v for v in phones if not _international(v)]
    if not national:
        return None
    scores: dict[str, float] = {}
    for region in dict.fromkeys(preferred + list(REGION_ORDER)):
        checks = [_national_in(value, region) for value in national]
        valid = sum(fits for fits, _ in checks) / len(national)
        layout = sum(same for _, same in checks) / len(national)  # "06 12 34 56 78" is French
        scores[region] = valid + 0.05 * layout + (0.01 if region in preferred else 0.0)
    best = max(scores, key=lambda r: scores[r])
    return best if scores[best] >= 0.6 else None


# house-number column headers -> whether the number goes before the street name
HOUSE_NUMBER_HEADERS: dict[str, bool] = {
    "hausnummer": False, "hausnr": False, "haus nr": False, "huisnummer": False, "huisnr": False,
    "numero civico": False, "civico": False, "n civico": False, "numero de porta": False,
    "número": False, "numero": False, "nº": False, "no": False, "nr": False,
    "house number": True, "house no": True, "street number": True, "building number": True,
    "numéro de rue": True, "numero de rue": True, "numéro de voie": True, "n de rue": True,
}


def _house_numbers(tables: list[SourceTable], best: dict[str, Suggestion]) -> dict[str, tuple[str, bool]]:
    """Address column -> (unmapped house-number column of the same file, number goes first)."""
    headers = {" ".join(tokens_of(k)): v for k, v in HOUSE_NUMBER_HEADERS.items()}
    out: dict[str, tuple[str, bool]] = {}
    for table in tables:
        streets = [c for c in table.columns if best.get(c) and best[c].field == "address"]
        if len(streets) != 1:
            continue
        for column in table.columns:
            s = best.get(column)
            text = " ".join(parse_header(column).all_tokens)
            if text in headers and (s is None or not (s.field or s.split_into)):
                values = _values([table], column)
                if values and sum(any(ch.isdigit() for ch in v) for v in values) >= 0.8 * len(values):
                    out.setdefault(streets[0], (column, headers[text]))
    return out
