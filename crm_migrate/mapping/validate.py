"""Check a loaded profile against a target schema and the columns of the source file(s)."""

from __future__ import annotations

from rapidfuzz import fuzz, process

from crm_migrate.errors import ProfileError
from crm_migrate.mapping.personal import detect_personal
from crm_migrate.mapping.profile import FieldMapping, Profile
from crm_migrate.mapping.transforms import parse_transforms
from crm_migrate.schema import ObjectSchema
from crm_migrate.table import SourceTable

NAME_SPLIT = ("firstname", "lastname")
PLACE_SPLIT = ("city", "state", "zip")
ENUM_TYPES = ("enumeration", "bool")
SENSITIVE_SAMPLE = 200  # rows of a mapped column read to tell whether it is sensitive


def _closest(name: str, choices: list[str], cutoff: float = 60) -> str:
    match = process.extractOne(name, choices, scorer=fuzz.WRatio, score_cutoff=cutoff)
    return f"; did you mean {match[0]!r}?" if match else ""


def _where(i: int, mapping: FieldMapping) -> str:
    return f"fields[{i}] (column {mapping.column!r})"


def _check_split(i: int, mapping: FieldMapping, schema: ObjectSchema, file: str | None) -> None:
    split = mapping.split_into or []
    if set(split) <= set(NAME_SPLIT) or set(split) <= set(PLACE_SPLIT):
        if len(split) != len(set(split)):
            raise ProfileError(f"{_where(i, mapping)}: split_into lists a field twice", file=file,
                               column=None)
        for name in split:
            if name not in schema:
                raise ProfileError(f"{_where(i, mapping)}: split_into field {name!r} does not exist "
                                   f"for {schema.object}", file=file)
        return
    raise ProfileError(
        f"{_where(i, mapping)}: split_into {split} is not supported; use [firstname, lastname] "
        f"for a full name or [city, state, zip] for 'City, ST 12345'", file=file)


def _check_map_values(i: int, mapping: FieldMapping, schema: ObjectSchema, args: dict[str, object],
                      file: str | None) -> None:
    spec = schema.get(mapping.field or "")
    if spec is None or spec.type not in ENUM_TYPES or not spec.options:
        return
    options = (*spec.option_values, *(v for v, _ in spec.hidden_options))
    table = args.get("mapping")
    for source, target in (table.items() if isinstance(table, dict) else []):
        if target is not None and str(target) not in options:
            raise ProfileError(
                f"{_where(i, mapping)}: map_values sends {source!r} to {target!r}, which is not an "
                f"option of {spec.name} ({', '.join(options)}){_closest(str(target), list(options))}",
                file=file)


def _check_target_transform(i: int, mapping: FieldMapping, schema: ObjectSchema, name: str,
                            args: dict[str, object], file: str | None) -> None:
    """pipeline: a pipeline of the target; truncate: a length, or a field with a maximum."""
    if name == "pipeline":
        wanted = str(args.get("name") or "")
        if schema.object != "deals":
            raise ProfileError(f"{_where(i, mapping)}: the pipeline transform is for deals", file=file)
        if schema.pipelines and schema.pipeline(wanted) is None:
            known = [p.label for p in schema.pipelines if not p.archived]
            raise ProfileError(f"{_where(i, mapping)}: pipeline {wanted!r} is not a pipeline of the "
                               f"target ({', '.join(known)}){_closest(wanted, known)}", file=file)
    if name == "truncate" and args.get("length") is None:
        for field_name in mapping.split_into or ([mapping.field] if mapping.field else []):
            spec = schema.get(field_name)
            if spec is not None and not spec.max_length:
                raise ProfileError(f"{_where(i, mapping)}: truncate needs a length: the target sets "
                                   f"no maximum for {field_name!r} (e.g. truncate: 100)", file=file)


def check_against_target(profile: Profile, schema: ObjectSchema, *, file: str | None = None) -> None:
    """What a push refuses before sending anything: a field the target holds read-only, a
    pipeline it does not have, a truncate without a length (a field it does not know at all is
    left to the target, which refuses those rows one by one)."""
    for label, mappings in [("", profile.fields),
                            *((f"sources.{n}.", s.fields) for n, s in profile.sources.items()
                              if s.fields is not None)]:
        for i, mapping in enumerate(mappings):
            for name in mapping.split_into or ([mapping.field] if mapping.field else []):
                spec = schema.get(name)
                if spec is not None and spec.read_only:
                    raise ProfileError(f"{label}{_where(i, mapping)}: field {name!r} is read-only on "
                                       "the target", file=file)
            try:
                transforms = parse_transforms(mapping.transforms)
            except ProfileError as exc:
                raise ProfileError(f"{label}{_where(i, mapping)}.transforms: {exc.message}",
                                   file=file) from None
            for transform in transforms:
                try:
                    _check_target_transform(i, mapping, schema, transform.name, transform.args, None)
                except ProfileError as exc:
                    raise ProfileError(f"{label}{exc.message}", file=file) from None


def validate_profile(
    profile: Profile,
    schema: ObjectSchema,
    columns: list[str] | None = None,
    *,
    file: str | None = None,
    column_sets: list[list[str]] | None = None,
) -> None:
    """Raise ProfileError for the first problem: unknown field/column, bad transform, clash, bad split.

    `column_sets` (one list per file) lets two columns of different files fill one field.
    """
    if profile.object != schema.object:
        raise ProfileError(f"object: the profile is for {profile.object}, the target schema for "
                           f"{schema.object}", file=file)
    known_columns = list(columns) if columns is not None else None
    if known_columns is None and column_sets is not None:
        known_columns = [c for cols in column_sets for c in cols]
    filled: dict[str, list[tuple[int, FieldMapping]]] = {}
    fields = list(schema.fields)
    for i, mapping in enumerate(profile.fields):
        where = _where(i, mapping)
        if known_columns is not None and mapping.column not in known_columns:
            raise ProfileError(f"{where}: no such column in the file(s){_closest(mapping.column, known_columns)}",
                               file=file, column=None)
        if mapping.field:
            spec = schema.get(mapping.field)
            if spec is None:
                raise ProfileError(f"{where}: unknown field {mapping.field!r} for {schema.object}"
                                   f"{_closest(mapping.field, fields)}", file=file)
            if spec.read_only:
                raise ProfileError(f"{where}: field {mapping.field!r} is read-only on the target", file=file)
        if mapping.split_into:
            _check_split(i, mapping, schema, file)
        try:
            transforms = parse_transforms(mapping.transforms)
        except ProfileError as exc:
            raise ProfileError(f"{where}.transforms: {exc.message}", file=file) from None
        for transform in transforms:
            if transform.name == "join" and known_columns is not None:
                for name in transform.args["columns"]:
                    if name not in known_columns:
                        raise ProfileError(f"{where}.transforms: join column {name!r} is not in the file(s)"
                                           f"{_closest(name, known_columns)}", file=file)
            if transform.name == "map_values":
                _check_map_values(i, mapping, schema, transform.args, file)
            _check_target_transform(i, mapping, schema, transform.name, transform.args, file)
        if mapping.field:
            filled.setdefault(mapping.field, []).append((i, mapping))
    for field_name, users in filled.items():
        for a in range(len(users)):
            for b in range(a + 1, len(users)):
                (i, first), (j, second) = users[a], users[b]
                if column_sets is not None and not any(
                    first.column in cols and second.column in cols for cols in column_sets
                ):
                    continue
                raise ProfileError(
                    f"{_where(j, second)}: field {field_name!r} is already filled by column "
                    f"{first.column!r} (fields[{i}]); map one of them to null", file=file)
    for name, source in profile.sources.items():
        if source.fields is None:
            continue
        try:  # a file's own mappings: the same checks, its two columns never fill one field
            validate_profile(Profile(object=profile.object, fields=source.fields), schema,
                             known_columns, file=file)
        except ProfileError as exc:
            raise ProfileError(f"sources.{name}.{exc.message}", file=file) from None


def check_sensitive(profile: Profile, tables: list[SourceTable], *, file: str | None = None) -> None:
    """Raise ProfileError for a mapped column holding sensitive data that the profile does not
    mark `sensitive: true` (the user must map such a column on purpose)."""
    for i, mapping in enumerate(profile.fields):
        if mapping.sensitive or not (mapping.field or mapping.split_into):
            continue
        for table in tables:
            if mapping.column not in table.columns:
                continue
            values = ["" if v is None or v != v else str(v)
                      for v in table.frame[mapping.column].head(SENSITIVE_SAMPLE).tolist()]
            flag = detect_personal(mapping.column, values, profile.object)
            if flag.sensitive:
                raise ProfileError(
                    f"{_where(i, mapping)}: the column holds sensitive data ({flag.reason}); "
                    "map it only on purpose, with `sensitive: true` on its entry", file=file,
                    column=mapping.column)
