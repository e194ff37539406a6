"""`crm-migrate auth set|show|delete TARGET`: credentials in the OS keyring, never on the command line."""

from __future__ import annotations

import json
import os
import sys

import click

from crm_migrate import secrets
from crm_migrate.actions import TARGETS
from crm_migrate.errors import AuthError, CrmMigrateError

CREDENTIAL_TARGETS = tuple(t for t in TARGETS if t != "file")  # a file target needs no token
# Salesforce OAuth refresh: the secrets come from these variables or a hidden prompt, never argv
SF_REFRESH_ENV = "CRM_MIGRATE_SF_REFRESH_TOKEN"
SF_SECRET_ENV = "CRM_MIGRATE_SF_CLIENT_SECRET"


target_argument = click.argument("target", type=click.Choice(CREDENTIAL_TARGETS, case_sensitive=False))


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _read_line() -> str:
    line = sys.stdin.readline()
    return line.strip()


@click.group(name="auth")
def auth_group() -> None:
    """Store, show or delete a target's credentials in the OS keyring."""


@auth_group.command(name="set")
@target_argument
@click.option(
    "--url",
    "instance_url",
    default=None,
    help="Salesforce instance URL, e.g. https://acme.my.salesforce.com (not a secret).",
)
@click.option(
    "--client-id",
    default=None,
    help="Salesforce connected app's consumer key: also store a refresh token (asked hidden, "
    f"or ${SF_REFRESH_ENV}; client secret from ${SF_SECRET_ENV} or asked, may be empty) "
    "so a run refreshes an expired access token and goes on.",
)
@click.argument("stray", nargs=-1, required=False, metavar="")
def auth_set(
    target: str, instance_url: str | None, client_id: str | None, stray: tuple[str, ...]
) -> int:
    """Store TARGET's token; asked with hidden input, or read from stdin when piped (Salesforce,
    piped: token, then URL unless --url, then refresh token and client secret with --client-id)."""
    target = target.lower()
    if stray:
        for value in stray:
            secrets.register_secret(value)
        raise CrmMigrateError(
            "tokens are never taken from the command line (they would stay in your shell "
            f"history); run `crm-migrate auth set {target}` and paste it at the hidden prompt, "
            f"or pipe it: `... | crm-migrate auth set {target}`"
        )
    interactive = _stdin_is_tty()
    if interactive:
        token = click.prompt(f"{target} token", hide_input=True, err=True).strip()
    else:
        token = _read_line()
    if not token:
        raise AuthError(f"no token given for {target}; nothing stored")
    secrets.register_secret(token)
    stored = token
    if target == "salesforce":
        url = instance_url
        if not url:
            url = click.prompt("instance URL", err=True) if interactive else _read_line()
        url = (url or "").strip().rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise CrmMigrateError(
                "the Salesforce instance URL must look like https://yourdomain.my.salesforce.com"
            )
        credential = {"instance_url": url, "access_token": token}
        if client_id:
            credential.update(_refresh_parts(client_id.strip(), interactive))
        stored = json.dumps(credential)
    elif client_id:
        raise CrmMigrateError("--client-id is for Salesforce's OAuth refresh only")
    secrets.set_token(target, stored)
    extra = " with a refresh token" if target == "salesforce" and client_id else ""
    click.echo(f"stored {target} token {secrets.mask(token)}{extra} in the OS keyring")
    return 0


def _refresh_parts(client_id: str, interactive: bool) -> dict[str, str]:
    """The refresh token and client secret (optional) for a Salesforce credential, from the
    environment, a hidden prompt, or the next stdin lines."""
    if not client_id:
        raise CrmMigrateError("--client-id is empty: give the connected app's consumer key")
    refresh = os.environ.get(SF_REFRESH_ENV, "").strip()
    if not refresh:
        refresh = (
            click.prompt("refresh token", hide_input=True, err=True).strip()
            if interactive
            else _read_line()
        )
    if not refresh:
        raise AuthError(f"no refresh token given (prompt, stdin or {SF_REFRESH_ENV}); nothing stored")
    secrets.register_secret(refresh)
    parts = {"refresh_token": refresh, "client_id": client_id}
    secret = os.environ.get(SF_SECRET_ENV, "").strip()
    if not secret and interactive:
        secret = click.prompt(
            "client secret (empty if the app needs none)",
            hide_input=True,
            default="",
            show_default=False,
            err=True,
        ).strip()
    elif not secret:
        secret = _read_line()
    if secret:
        secrets.register_secret(secret)
        parts["client_secret"] = secret
    return parts


@auth_group.command(name="show")
@target_argument
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def auth_show(target: str, as_json: bool) -> int:
    """Show where TARGET's token comes from, masked."""
    target = target.lower()
    source = secrets.token_source(target)
    token, url = secrets.get_credential(target) if source != "none" else (None, None)
    parts = secrets.credential_fields(secrets.get_token(target)) if source != "none" else {}
    refresh = bool(parts.get("refresh_token") and parts.get("client_id"))
    if as_json:
        payload: dict[str, object] = {
            "target": target,
            "source": source,
            "token": secrets.mask(token) if token else None,
            "url": url,
        }
        if refresh:
            payload["refresh"] = True
        click.echo(json.dumps(payload, ensure_ascii=False))
    elif source == "none":
        click.echo(f"{target}: no token (keyring or {secrets.ENV_VAR})")
    else:
        where = "OS keyring" if source == "keyring" else f"environment variable {secrets.ENV_VAR}"
        line = f"{target}: {secrets.mask(token)} from the {where}"
        if url:
            line += f"; instance {url}"
        if refresh:
            line += "; refreshes with its refresh token"
        click.echo(line)
    return 0 if source != "none" else 1


@auth_group.command(name="delete")
@target_argument
def auth_delete(target: str) -> int:
    """Remove TARGET's token from the OS keyring."""
    target = target.lower()
    if secrets.delete_token(target):
        click.echo(f"deleted the {target} token from the OS keyring")
        return 0
    click.echo(f"{target}: no token in the OS keyring; nothing deleted")
    return 1
