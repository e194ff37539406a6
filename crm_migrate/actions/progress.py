"""The one typed progress report every long action emits and both the CLI and the wizard render
(defined in the ground module crm_migrate.progress, which the core reports through)."""

from __future__ import annotations

from crm_migrate.progress import (
    Progress,
    ProgressFn,
    ProgressMeter,
    StopFn,
    eta_text,
    never_stop,
    number,
    plural,
    progress_line,
)

__all__ = ["Progress", "ProgressFn", "ProgressMeter", "StopFn", "eta_text", "never_stop", "number",
           "plural", "progress_line"]
