"""`crm-migrate auth set|show|delete TARGET`: credentials in the OS keyring, never on the command line."""

from __future__ import annotations

import json
import sys

import click

from crm_migrate import secrets
from crm_migrate.actions import TARGETS
from crm_migrate.errors import AuthError, CrmMigrateError

CREDENTIAL_TARGETS = tuple(t for t in TARGETS if t != "file")  # a file target needs no token


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
@click.argument("stray", nargs=-1, required=False, metavar="")
def auth_set(target: str, instance_url: str | None, stray: tuple[str, ...]) -> int:
    """Store TARGET's token; asked with hidden input, or read from stdin when piped."""
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
        stored = json.dumps({"instance_url": url, "access_token": token})
    secrets.set_token(target, stored)
    click.echo(f"stored {target} token {secrets.mask(token)} in the OS keyring")
    return 0


@auth_group.command(name="show")
@target_argument
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def auth_show(target: str, as_json: bool) -> int:
    """Show where TARGET's token comes from, masked."""
    target = target.lower()
    source = secrets.token_source(target)
    token, url = secrets.get_credential(target) if source != "none" else (None, None)
    if as_json:
        payload = {
            "target": target,
            "source": source,
            "token": secrets.mask(token) if token else None,
            "url": url,
        }
        click.echo(json.dumps(payload, ensure_ascii=False))
    elif source == "none":
        click.echo(f"{target}: no token (keyring or {secrets.ENV_VAR})")
    else:
        where = "OS keyring" if source == "keyring" else f"environment variable {secrets.ENV_VAR}"
        line = f"{target}: {secrets.mask(token)} from the {where}"
        if url:
            line += f"; instance {url}"
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
