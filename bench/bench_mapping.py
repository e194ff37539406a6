"""Auto-mapper accuracy over the header corpus in tests/data/headers (not a timed test).

Prints, per file, the columns mapped wrong, then the share of columns mapped right
and the number of wrong suggestions given with confidence >= 0.9 (targets: >= 95%, 0).
Run: .venv/bin/python bench/bench_mapping.py [-v]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "headers"


def load_case(csv_path: Path) -> tuple[Any, dict[str, Any]]:
    """The SourceTable of a corpus file (read by the real loader) and its expected answers."""
    from crm_migrate.sources import load

    table = load(csv_path)
    expected = yaml.safe_load(csv_path.with_suffix(".yaml").read_text(encoding="utf-8"))
    return table, expected


def answer(suggestion: Any) -> Any:
    """What a suggestion says, in the corpus' terms: a field, a split list, or None."""
    return list(suggestion.split_into) if suggestion.split_into else suggestion.field


def run(verbose: bool = False) -> dict[str, Any]:
    from crm_migrate.mapping.suggest import guess_object, suggest_mappings

    total = right = confident_wrong = wrong_object = 0
    started = time.perf_counter()
    files = sorted(CORPUS.glob("*.csv"))
    for path in files:
        table, expected = load_case(path)
        object_name = expected["object"]
        if guess_object(table) != object_name:
            wrong_object += 1
            print(f"{path.name}: guessed object {guess_object(table)}, expected {object_name}")
        suggestions = {s.column: s for s in suggest_mappings(table, object_name)}
        for column, want in expected["columns"].items():
            total += 1
            got = suggestions.get(column)
            have = answer(got) if got else "<missing column>"
            if have == want:
                right += 1
                if verbose:
                    print(f"  ok   {path.name}: {column!r} -> {have} ({got.confidence:.2f})")
                continue
            confidence = got.confidence if got else 0.0
            if confidence >= 0.9:
                confident_wrong += 1
            print(f"  WRONG {path.name}: {column!r} -> {have} ({confidence:.2f}), expected {want}"
                  f"  [{got.reason if got else ''}]")
    elapsed = time.perf_counter() - started
    result = {"files": len(files), "columns": total, "right": right,
              "accuracy": right / total if total else 0.0, "confident_wrong": confident_wrong,
              "wrong_object_guesses": wrong_object, "seconds": elapsed}
    print(f"files: {len(files)}  columns: {total}  right: {right}  accuracy: {result['accuracy']:.1%}")
    print(f"wrong suggestions with confidence >= 0.9: {confident_wrong}")
    print(f"object guessed wrong: {wrong_object} of {len(files)} files")
    print(f"time: {elapsed:.2f}s ({elapsed / max(len(files), 1) * 1000:.0f} ms per file, incl. loading)")
    return result


if __name__ == "__main__":
    run(verbose="-v" in sys.argv)
