"""Reader benchmark: 1M-row CSV detect+load, 200k-row xlsx vs pandas+openpyxl, same run.

Run: .venv/bin/python bench/bench_readers.py [--csv-rows N] [--xlsx-rows N]
Files are made once under bench/out/ (gitignored). Each measurement runs in its own
subprocess so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
FIRST = ["James", "Mary", "Jörg", "Priya", "Wei", "Carlos", "Sofia", "Ahmed", "Yuki", "Liam"]
LAST = ["Smith", "Müller", "Garcia", "Nguyen", "O'Brien", "Kowalski", "Chen", "Rossi", "Patel"]
CITIES = ["Boston", "Austin", "Köln", "Zürich", "São Paulo", "Chicago", "Seattle", "Denver"]


def make_csv(path: Path, rows: int) -> None:
    """A rows x 15 CSV with mostly distinct values, some quoted cells and a title line."""
    rng = random.Random(7)
    header = ["Record ID", "First Name", "Last Name", "Email", "Phone", "Mobile", "Company",
              "Job Title", "Street", "City", "State", "Zip", "Country", "Created", "Notes"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("Contacts export\n\n")
        fh.write(",".join(header) + "\n")
        chunk: list[str] = []
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            note = f'"Met at fair, booth {i % 97}"' if i % 10 == 0 else ""
            chunk.append(
                f"{i},{first},{last},{first.lower()}.{i}@example{i % 500}.com,"
                f"+1 415 555 {i % 10000:04d},({i % 900 + 100}) 555-{i % 7919:04d},"
                f"Company {i % 20011} Inc,Manager,{i % 9999} Main St,{rng.choice(CITIES)},CA,"
                f"{i % 90000 + 10000},US,2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},{note}\n"
            )
            if len(chunk) == 10000:
                fh.write("".join(chunk))
                chunk.clear()
        fh.write("".join(chunk))


def make_xlsx(path: Path, rows: int) -> None:
    """A rows x 10 workbook (strings, integers, floats, real date cells) via openpyxl."""
    import datetime as dt

    import openpyxl

    rng = random.Random(11)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Contacts")
    sheet.append(["ID", "First Name", "Last Name", "Email", "Phone", "Company", "City",
                  "Employees", "Revenue", "Created"])
    base = dt.date(2015, 1, 1)
    for i in range(rows):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        sheet.append([i, first, last, f"{first.lower()}.{i}@example.com", f"+1 415 555 {i % 10000:04d}",
                      f"Company {i % 5003}", rng.choice(CITIES), i % 5000, i * 1.25,
                      base + dt.timedelta(days=i % 3650)])
    book.save(path)


def measure(kind: str, path: str) -> dict[str, object]:
    """Run one reader in this process; return seconds, rows and peak RSS (imports untimed)."""
    import pandas  # noqa: F401

    import crm_migrate.sources  # noqa: F401

    start = time.perf_counter()
    if kind in ("csv_ours", "xlsx_ours"):
        from crm_migrate.sources import load

        table = load(path)
        rows, cols = len(table.frame), table.frame.shape[1]
    elif kind == "csv_pandas_plain":
        import pandas as pd

        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skiprows=2)
        rows, cols = frame.shape
    elif kind == "xlsx_openpyxl":
        import pandas as pd

        frame = pd.read_excel(path, engine="openpyxl")
        rows, cols = frame.shape
    elif kind == "xlsx_pandas_calamine":
        import pandas as pd

        frame = pd.read_excel(path, engine="calamine")
        rows, cols = frame.shape
    else:
        raise SystemExit(f"unknown measurement {kind}")
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "seconds": round(seconds, 2), "rows": rows, "cols": cols,
            "peak_rss_mb": round(peak_mb)}


def run_child(kind: str, path: Path) -> dict[str, object]:
    """One measurement in a fresh interpreter (imports included in wall time)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--measure", kind, str(path)],
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - start, 2)
    return result


def main() -> None:
    """Make the files if missing, run every measurement, print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / f"contacts_{args.csv_rows}.csv"
    xlsx_path = OUT / f"contacts_{args.xlsx_rows}.xlsx"
    for path, make, rows in ((csv_path, make_csv, args.csv_rows),
                             (xlsx_path, make_xlsx, args.xlsx_rows)):
        if not path.exists():
            start = time.perf_counter()
            make(path, rows)
            print(f"made {path.name} ({path.stat().st_size / 1e6:.1f} MB) in "
                  f"{time.perf_counter() - start:.1f} s")
    results = {}
    for kind, path in (("csv_ours", csv_path), ("csv_pandas_plain", csv_path),
                       ("xlsx_ours", xlsx_path), ("xlsx_pandas_calamine", xlsx_path),
                       ("xlsx_openpyxl", xlsx_path)):
        results[kind] = r = run_child(kind, path)
        print(f"{kind:22} load {r['seconds']:>7.2f} s   process {r['wall_seconds']:>7.2f} s   "
              f"peak RSS {r['peak_rss_mb']:>6} MB   {r['rows']} rows x {r['cols']} cols")
    csv = results["csv_ours"]
    ratio = float(results["xlsx_openpyxl"]["seconds"]) / float(results["xlsx_ours"]["seconds"])
    print()
    print(f"CSV {args.csv_rows:,} rows detect+load: {csv['seconds']} s (target <= 10 s), "
          f"peak RSS {csv['peak_rss_mb']} MB (target < 2048 MB)")
    print(f"xlsx {args.xlsx_rows:,} rows: ours {results['xlsx_ours']['seconds']} s vs "
          f"pandas+openpyxl {results['xlsx_openpyxl']['seconds']} s -> {ratio:.1f}x faster "
          "(target >= 5x)")


if __name__ == "__main__":
    main()
