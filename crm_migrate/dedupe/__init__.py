"""Duplicate detection inside the input and survivorship merge."""

from __future__ import annotations

from crm_migrate.dedupe.engine import explain_pair, find_duplicate_groups
from crm_migrate.dedupe.merge import merge_groups

__all__ = ["explain_pair", "find_duplicate_groups", "merge_groups"]
