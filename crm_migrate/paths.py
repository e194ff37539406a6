"""Where crm-migrate keeps its files (platformdirs); nothing is created at import."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "crm-migrate"


def data_dir() -> Path:
    """User data dir (runs, journals, sandbox db); CRM_MIGRATE_DATA_DIR overrides."""
    override = os.environ.get("CRM_MIGRATE_DATA_DIR")
    if override:
        return Path(override)
    return platformdirs.user_data_path(APP_NAME)


def config_dir() -> Path:
    """User config dir (settings, saved profiles); CRM_MIGRATE_CONFIG_DIR overrides."""
    override = os.environ.get("CRM_MIGRATE_CONFIG_DIR")
    if override:
        return Path(override)
    return platformdirs.user_config_path(APP_NAME)


def runs_dir() -> Path:
    """Journals of runs started from the wizard live here."""
    return data_dir() / "runs"


def profiles_dir() -> Path:
    """Profiles saved from the wizard live here."""
    return config_dir() / "profiles"


def sandbox_db_path() -> Path:
    """Default SQLite file of the sandbox CRM."""
    return data_dir() / "sandbox.sqlite3"


def ensure_dir(path: Path, private: bool = False) -> Path:
    """Create a directory (owner-only when private) and return it."""
    path.mkdir(parents=True, exist_ok=True)
    if private:
        os.chmod(path, 0o700)
    return path
