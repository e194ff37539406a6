"""Auto-mapper accuracy over the two mapping corpora (not a timed test).

tests/data/headers: exports of well-known tools and the seven languages of the synonym
table (target >= 99%). tests/data/headers_homegrown: home-grown and small-business exports
(FoxPro, Access, FileMaker, ERPs, camelCase/snake_case apps, FieldN/letter headers,
Nordic/Polish/Czech/Turkish/Brazilian/Swiss/Argentine files; target >= 95%).
tests/data/headers_holdout: more such files written after the matcher was changed for the
second corpus, and not tuned on: how well it does on exports it has not seen.
Prints, per file, the columns mapped wrong, then per corpus the share of columns mapped
right, of columns that should be mapped, and the wrong suggestions given with
confidence >= 0.9 (target 0).
Run: .venv/bin/python bench/bench_mapping.py [-v]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CORPORA = {"known tools": DATA / "headers", "home-grown": DATA / "headers_homegrown",
           "hold-out": DATA / "headers_holdout"}


def load_case(csv_path: Path) -> tuple[Any, dict[str, Any]]:
    """The SourceTable of a corpus file (read by the real loader) and its expected answers."""
    from crm_migrate.sources import load

    table = load(csv_path)
    expected = yaml.safe_load(csv_path.with_suffix(".yaml").read_text(encoding="utf-8"))
    return table, expected


def answer(suggestion: Any) -> Any:
    """What a suggestion says, in the corpus' terms: a field, a split list, or None."""
    return list(suggestion.split_into) if suggestion.split_into else suggestion.field


def run(corpus: Path, verbose: bool = False) -> dict[str, Any]:
    """Score one corpus folder and print what went wrong."""
    from crm_migrate.mapping.suggest import guess_object, suggest_mappings

    total = right = confident_wrong = wrong_object = to_map = to_map_right = false_maps = 0
    graded: list[tuple[float, bool, str | None]] = []  # confidence, right, evidence of each suggestion
    started = time.perf_counter()
    files = sorted(corpus.glob("*.csv"))
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
            to_map += want is not None
            false_maps += want is None and have is not None
            if got and have is not None:
                graded.append((got.confidence, have == want, got.evidence))
            if have == want:
                right += 1
                to_map_right += want is not None
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
              "to_map": to_map, "to_map_right": to_map_right, "false_mappings": false_maps,
              "wrong_object_guesses": wrong_object, "seconds": elapsed}
    print(f"files: {len(files)}  columns: {total}  right: {right}  accuracy: {result['accuracy']:.1%}")
    print(f"columns to map: {to_map}  mapped right: {to_map_right} ({to_map_right / max(to_map, 1):.1%});"
          f"  mapped though they should stay out: {false_maps} of {total - to_map}")
    print(f"wrong suggestions with confidence >= 0.9: {confident_wrong}")
    print_calibration(graded)
    print(f"object guessed wrong: {wrong_object} of {len(files)} files")
    print(f"time: {elapsed:.2f}s ({elapsed / max(len(files), 1) * 1000:.0f} ms per file, incl. loading)")
    return result


BUCKETS = ((0.9, 1.01), (0.85, 0.9), (0.7, 0.85), (0.5, 0.7))


def print_calibration(graded: list[tuple[float, bool, str | None]]) -> None:
    """Share right of the fields suggested, per confidence band and per kind of evidence."""
    for low, high in BUCKETS:
        band = [ok for conf, ok, _ in graded if low <= conf < high]
        if band:
            print(f"  confidence {low:.2f}-{min(high, 1.0):.2f}: {sum(band)}/{len(band)} right "
                  f"({sum(band) / len(band):.0%})")
    for source in ("header", "values", "both"):
        own = [(conf, ok) for conf, ok, ev in graded if ev == source]
        if own:
            print(f"  from {source:6s}: {sum(ok for _, ok in own)}/{len(own)} right, "
                  f"confidence {min(c for c, _ in own):.2f}-{max(c for c, _ in own):.2f}")


def main(verbose: bool = False) -> dict[str, dict[str, Any]]:
    """Both corpora, each with its own summary, then one line per corpus."""
    results: dict[str, dict[str, Any]] = {}
    for name, folder in CORPORA.items():
        print(f"== {name} corpus ({folder.name}) ==")
        results[name] = run(folder, verbose)
    print("== summary ==")
    for name, r in results.items():
        print(f"{name:12s} {r['right']}/{r['columns']} = {r['accuracy']:.1%}"
              f"  to map {r['to_map_right']}/{r['to_map']}  false mappings {r['false_mappings']}"
              f"  confident wrong {r['confident_wrong']}")
    return results


if __name__ == "__main__":
    main(verbose="-v" in sys.argv)
