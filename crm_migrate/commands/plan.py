"""`crm-migrate plan FILE... --object OBJ [--target T] [--region CC] --out PROFILE`."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import click

from crm_migrate.actions import OBJECTS, TARGETS
from crm_migrate.commands import echo_note
from crm_migrate.errors import CrmMigrateError

if TYPE_CHECKING:
    from crm_migrate.mapping.profile import FieldMapping, Profile


def _summary(profile: Profile, out: str) -> dict[str, Any]:
    return {
        "profile": out,
        "object": profile.object,
        "default_region": profile.default_region,
        "fields": [m.to_dict() for m in profile.fields],
        "sources": {name: [m.to_dict() for m in source.fields]
                    for name, source in profile.sources.items() if source.fields is not None},
    }


def _target_text(mapping: FieldMapping) -> str:
    """What a column fills: a field, `split: a, b`, or None (left out)."""
    return "split: " + ", ".join(mapping.split_into) if mapping.split_into else str(mapping.field)


@click.command("plan")
@click.argument("files", nargs=-1, required=True)
@click.option("--object", "object_name", type=click.Choice(OBJECTS), default=None,
              help="Target object (guessed from the headers when left out).")
@click.option("--target", type=click.Choice(TARGETS), default=None,
              help="Read this target's live schema so its custom properties can be mapped.")
@click.option("--url", default=None, help="Base URL of the target (sandbox or a test server).")
@click.option("--region", default=None, help="Default country (ISO code) for phone numbers.")
@click.option("--out", "out", required=True, help="Profile to write (.yaml/.yml, or .json).")
@click.option("--json", "as_json", is_flag=True, help="Print the written mapping as JSON.")
@click.option("--force", is_flag=True, help="Overwrite --out when it exists.")
def plan_cmd(files: tuple[str, ...], object_name: str | None, target: str | None, url: str | None,
             region: str | None, out: str, as_json: bool, force: bool) -> int:
    """Write a mapping profile (human-editable) from the suggested column mappings."""
    if os.path.exists(out) and not force:
        raise CrmMigrateError("the profile exists (it may hold hand edits): add --force to "
                              "overwrite it, or choose another --out", file=out)
    # deferred: planning pulls in pandas and the mapping engine, which `--help` does not need
    from crm_migrate.actions.files import personal_columns
    from crm_migrate.actions.profiles import plan_profile

    plan = plan_profile(list(files), out, object_name=object_name, target=target, url=url,
                        region=region, on_note=echo_note)
    profile, tables = plan.profile, plan.tables
    if as_json:
        click.echo(json.dumps(_summary(profile, out), ensure_ascii=False))
        return 0
    width = max((len(m.column) for m in profile.fields), default=6)
    for m in profile.fields:
        target_text = _target_text(m)
        confidence = f"  ({m.confidence:.2f})" if m.confidence is not None else ""
        check = "  <- please check" if m.confidence is not None and m.confidence < 0.9 else ""
        click.echo(f"  {m.column:<{width}}  ->  {target_text}{confidence}{check}")
    mapped = {m.column for m in profile.fields}
    left_out = [c for t in tables for c in t.columns if c not in mapped]
    left_out = list(dict.fromkeys(left_out))
    if left_out:
        shown = ", ".join(left_out[:12]) + (f", … (+{len(left_out) - 12} more)" if len(left_out) > 12 else "")
        click.echo(f"  left out ({len(left_out)}): {shown}")
    sensitive = [c for c, flag in personal_columns(tables, profile.object).items()
                 if flag.sensitive and c not in mapped]
    if sensitive:
        click.echo(f"  sensitive data, never mapped for you ({', '.join(sensitive)}): to migrate "
                   "one, map it by hand with `sensitive: true` on its entry")
    shared = {m.column: _target_text(m) for m in profile.fields}
    for name, source in profile.sources.items():
        differs = [m for m in source.fields or [] if shared.get(m.column) != _target_text(m)]
        if differs:
            shown = ", ".join(f"{m.column} -> {_target_text(m)}" for m in differs)
            click.echo(f"  {name} maps by its own fields (sources: in the profile): {shown}")
    click.echo(f"wrote {out} ({profile.object}, {len(profile.fields)} columns mapped)")
    return 0

