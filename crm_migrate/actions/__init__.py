"""The use-case layer: one function per user action, shared by the CLI and the wizard.

Each action takes plain inputs (and, when long, a `Progress` callback and a stop flag) and
returns a typed result. The submodules are imported on demand so that importing this package
stays cheap: `files` (load, inspect), `profiles` (build, load, save, live schema), `cleaning`
(clean, match), `duplicates` (not-a-duplicate, merge choices), `runs` (push, dry run, resume,
status, rollback), `connection` (test a target), `sandbox` (run the local CRM).
"""

from __future__ import annotations

from crm_migrate.actions.progress import Progress, ProgressFn, StopFn
from crm_migrate.connectors import TARGETS  # the one target list (connectors open only in _target)
from crm_migrate.errors import InputsChanged
from crm_migrate.sandbox import DEFAULT_TOKEN as SANDBOX_TOKEN
from crm_migrate.schema import OBJECTS

__all__ = ["OBJECTS", "SANDBOX_TOKEN", "TARGETS", "InputsChanged", "Progress", "ProgressFn", "StopFn"]
