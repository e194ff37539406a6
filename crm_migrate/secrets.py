"""Credentials: the OS keyring (service `crm-migrate`, username = target), then CRM_MIGRATE_TOKEN.

Every token read or stored through this module is remembered for the life of the
process so `redact()` and `RedactingFilter` can scrub it from any text we print
or log. A token is never taken from a command-line argument.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading

from crm_migrate.errors import AuthError

SERVICE = "crm-migrate"
ENV_VAR = "CRM_MIGRATE_TOKEN"
REDACTED = "***"
_MIN_SECRET = 6  # shorter strings are not worth scrubbing (and would mangle text)

_known: set[str] = set()
_known_lock = threading.Lock()
_log = logging.getLogger(__name__)


def register_secret(secret: str | None) -> None:
    """Remember a secret so redact() scrubs it; a JSON credential registers its parts too."""
    if not secret:
        return
    parts = {secret.strip()}
    parsed = _parse_json(secret)
    if parsed is not None:
        for key in ("access_token", "token", "refresh_token", "client_secret"):
            value = parsed.get(key)
            if isinstance(value, str):
                parts.add(value.strip())
    with _known_lock:
        _known.update(p for p in parts if len(p) >= _MIN_SECRET)


def redact(text: str) -> str:
    """`text` with every secret known to this process replaced by ***."""
    if not text:
        return text
    with _known_lock:
        secrets = sorted(_known, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs known secrets from each record's message and args."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is the logger's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)  # formatters reuse exc_text as it is
        return True


def install_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Add a RedactingFilter to `logger` (root by default) and to its handlers."""
    target = logger or logging.getLogger()
    flt = RedactingFilter()
    target.addFilter(flt)
    for handler in target.handlers:
        handler.addFilter(flt)
    return flt


def _parse_json(value: str) -> dict[str, object] | None:
    text = value.strip()
    if not text.startswith("{"):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _keyring_get(target: str) -> str | None:
    """The keyring entry, or None when absent or when no keyring backend works here."""
    try:  # deferred and guarded: keyring is slow to import and may have no usable backend
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(SERVICE, target)
        except (KeyringError, RuntimeError, OSError) as exc:
            _log.debug("keyring unavailable (%s); falling back to %s", type(exc).__name__, ENV_VAR)
            return None
    except ImportError:
        return None


def get_token(target: str) -> str | None:
    """The stored credential for `target`: keyring first, then the CRM_MIGRATE_TOKEN variable."""
    token = _keyring_get(target)
    if not token:
        token = os.environ.get(ENV_VAR) or None
    if token:
        token = token.strip()
        register_secret(token)
    return token or None


def get_credential(target: str) -> tuple[str | None, str | None]:
    """(access token, instance URL) for `target`; the URL only when stored as JSON."""
    return split_credential(get_token(target))


def split_credential(raw: str | None) -> tuple[str | None, str | None]:
    """(token, URL) from a stored credential: a bare token, or JSON {"instance_url", "access_token"}."""
    if not raw:
        return None, None
    parsed = _parse_json(raw)
    if parsed is None:
        return raw, None
    token = parsed.get("access_token") or parsed.get("token")
    url = parsed.get("instance_url") or parsed.get("url")
    return (str(token) if token else None), (str(url) if url else None)


def credential_fields(raw: str | None) -> dict[str, str]:
    """The text fields of a JSON credential ({"instance_url", "access_token", "refresh_token",
    "client_id", "client_secret"}); empty for a bare token."""
    parsed = _parse_json(raw or "")
    if parsed is None:
        return {}
    return {str(k): str(v) for k, v in parsed.items() if isinstance(v, str) and v.strip()}


def store_refreshed_token(target: str, refresh_token: str, access_token: str,
                          instance_url: str | None = None) -> bool:
    """Put a refreshed access token into the keyring entry that holds `refresh_token` (an
    entry for another credential, or none, is left alone); False when nothing was stored."""
    register_secret(access_token)
    current = credential_fields(_keyring_get(target))
    if not current or current.get("refresh_token") != refresh_token:
        return False
    current["access_token"] = access_token
    if instance_url:
        current["instance_url"] = instance_url.rstrip("/")
    try:
        set_token(target, json.dumps(current))
    except AuthError as exc:
        _log.warning("the refreshed %s token was not stored: %s", target, exc.message)
        return False
    return True


def set_token(target: str, token: str) -> None:
    """Store `token` for `target` in the OS keyring and read it back; AuthError when no keyring
    works here or the keyring did not keep it."""
    token = token.strip()
    if not token:
        raise AuthError(f"empty token for {target}; nothing stored")
    register_secret(token)
    try:  # deferred and guarded: keyring is slow to import and may have no usable backend
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(SERVICE, target, token)
            kept = keyring.get_password(SERVICE, target)
        except (KeyringError, RuntimeError, OSError) as exc:
            raise AuthError(
                f"no usable OS keyring here ({type(exc).__name__}); "
                f"set the {ENV_VAR} environment variable instead"
            ) from None
        if kept != token:  # e.g. the null backend: accepts everything, keeps nothing
            backend = type(keyring.get_keyring()).__module__.rsplit(".", 1)[-1]
            raise AuthError(
                f"the OS keyring ({backend}) did not keep the token: nothing stored; "
                f"set the {ENV_VAR} environment variable instead"
            )
    except ImportError:
        raise AuthError(f"keyring is not installed; set {ENV_VAR} instead") from None


def delete_token(target: str) -> bool:
    """Remove the keyring entry for `target`; False when there was none (or no keyring)."""
    try:  # deferred and guarded: keyring is slow to import and may have no usable backend
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError
    except ImportError:
        return False
    try:
        if keyring.get_password(SERVICE, target) is None:
            return False
        keyring.delete_password(SERVICE, target)
    except PasswordDeleteError:
        return False
    except (KeyringError, RuntimeError, OSError):
        return False
    return True


def token_source(target: str) -> str:
    """Where get_token(target) would find the credential: "keyring", "env" or "none"."""
    if _keyring_get(target):
        return "keyring"
    if os.environ.get(ENV_VAR, "").strip():
        return "env"
    return "none"


_PREFIX = re.compile(r"^(?:[a-z]{2,4}-[a-z]{2,3}\d-)")  # HubSpot private-app tokens: pat-na1-


def mask(token: str | None) -> str:
    """A display form that shows only a known non-secret prefix and the last 4 characters."""
    if not token:
        return "(none)"
    token = token.strip()
    match = _PREFIX.match(token)
    prefix = match.group(0) if match else ""
    rest = token[len(prefix) :]
    if len(rest) < 12:
        return f"{prefix}…"
    return f"{prefix}…{rest[-4:]}"
