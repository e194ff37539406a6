"""`crm-migrate plan FILE... --object OBJ [--target T] [--region CC] --out PROFILE`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from crm_migrate.schema import OBJECTS

if TYPE_CHECKING:
    from crm_migrate.mapping.profile import Profile
    from crm_migrate.schema import ObjectSchema

TARGETS = ("sandbox", "hubspot", "salesforce", "pipedrive", "file")


def live_schema(target: str, object_name: str, url: str | None, *, required: bool) -> ObjectSchema | None:
    """The built-in schema merged with the target's live properties; None when not reachable.

    With `required` (the user named the target or a URL) a failure is reported on
    stderr; the built-in schema is used either way.
    """
    import asyncio

    from crm_migrate.errors import CrmMigrateError
    from crm_migrate.schema import builtin_schema

    base = builtin_schema(object_name)
    try:
        from crm_migrate.connectors import get_connector  # type: ignore[attr-defined]
    except ImportError:
        return None

    async def fetch() -> list[dict[str, Any]]:
        connector = get_connector(target, url=url)
        try:
            return list(await connector.read_schema(object_name))
        finally:
            await connector.aclose()

    try:
        properties = asyncio.run(fetch())
    except (CrmMigrateError, OSError, RuntimeError, ValueError) as exc:
        if required:
            click.echo(f"crm-migrate: note: {target} schema not read ({exc}); using the built-in "
                       f"{object_name} fields", err=True)
        return None
    except Exception as exc:  # noqa: BLE001 - any connector failure only costs custom fields
        if required:
            click.echo(f"crm-migrate: note: {target} schema not read ({type(exc).__name__}: {exc}); "
                       f"using the built-in {object_name} fields", err=True)
        return None
    return base.merge_live(properties)


def _summary(profile: Profile, out: str) -> dict[str, Any]:
    return {
        "profile": out,
        "object": profile.object,
        "default_region": profile.default_region,
        "fields": [m.to_dict() for m in profile.fields],
    }


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
def plan_cmd(files: tuple[str, ...], object_name: str | None, target: str | None, url: str | None,
             region: str | None, out: str, as_json: bool) -> int:
    """Write a mapping profile (human-editable) from the suggested column mappings."""
    from crm_migrate.errors import CrmMigrateError
    from crm_migrate.mapping.build import build_profile
    from crm_migrate.mapping.profile import load_profile, save_profile
    from crm_migrate.mapping.suggest import guess_object
    from crm_migrate.mapping.validate import validate_profile
    from crm_migrate.schema import builtin_schema
    from crm_migrate.sources import load_many

    if region is not None:
        import phonenumbers

        if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise CrmMigrateError(f"--region {region!r} is not a country code (e.g. US, DE, GB)")
        region = region.upper()
    tables = load_many(list(files))
    object_name = object_name or guess_object(tables[0])
    schema = None
    if target not in (None, "file") or url:
        schema = live_schema(target or "sandbox", object_name, url, required=True)
    schema = schema or builtin_schema(object_name)
    profile = build_profile(tables, object_name, region=region, schema=schema)
    validate_profile(profile, schema, column_sets=[t.columns for t in tables])
    save_profile(profile, out)
    load_profile(out)  # what we wrote must read back
    if as_json:
        click.echo(json.dumps(_summary(profile, out), ensure_ascii=False))
        return 0
    width = max((len(m.column) for m in profile.fields), default=6)
    for m in profile.fields:
        target_text = "split: " + ", ".join(m.split_into) if m.split_into else str(m.field)
        confidence = f"  ({m.confidence:.2f})" if m.confidence is not None else ""
        check = "  <- please check" if m.confidence is not None and m.confidence < 0.9 else ""
        click.echo(f"  {m.column:<{width}}  ->  {target_text}{confidence}{check}")
    mapped = {m.column for m in profile.fields}
    left_out = [c for t in tables for c in t.columns if c not in mapped]
    left_out = list(dict.fromkeys(left_out))
    if left_out:
        shown = ", ".join(left_out[:12]) + (f", … (+{len(left_out) - 12} more)" if len(left_out) > 12 else "")
        click.echo(f"  left out ({len(left_out)}): {shown}")
    click.echo(f"wrote {out} ({profile.object}, {len(profile.fields)} columns mapped)")
    return 0
