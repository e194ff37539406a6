"""Duplicate detection inside the input and survivorship merge.

find_duplicate_groups(frame, object_name, settings, *, on_progress=None) -> list[list[int]]
    Row positions judged to be one record. Same normalised unique key (contacts: email,
    companies: domain/website host) always groups; otherwise candidate pairs from blocking
    keys are scored field by field (scoring.py: log-odds weights learned from the file by EM
    (learn.py, model.py; hand-set rules on small files), nickname table, legal suffixes
    stripped, name frequencies) and pairs scoring >= settings.threshold are joined
    by a union-find that refuses `not_duplicates` and chained groups (engine.py, guard.py).
    Blocking keys are int codes built column-wise (keys.py), with a per-record pair budget
    that keeps candidate pairs linear in the rows (~6 a record; a million contacts in about a
    minute, bench/bench_dedupe.py).
merge_groups(frame, groups, settings, *, on_progress=None) -> (frame, conflicts)
    One row per group by the survivorship rules (merge.py).
    on_progress(fraction) is called every few seconds at most on big inputs.
explain_pair(frame, i, j, object_name) -> dict
    Per-field similarity, agreement level and weight, the total and the decision, for
    side-by-side review (with the model the latest find_duplicate_groups learned).
"""

from __future__ import annotations

from crm_migrate.dedupe.engine import explain_pair, explain_pairs, find_duplicate_groups
from crm_migrate.dedupe.merge import merge_groups

__all__ = ["explain_pair", "explain_pairs", "find_duplicate_groups", "merge_groups"]
