"""Cleaning throughput: 1,000,000 contact rows (phone, email, date of birth, first/last name).

Times the column normalisers (computed once per distinct value) against a naive row-by-row
`DataFrame.apply` baseline measured in the same run on a slice and extrapolated.

Run: .venv/bin/python bench/bench_clean.py [--rows N] [--baseline-rows N] [--pipeline]
     [--pipeline-rows N [--pipeline-only]]

--pipeline-rows N writes a realistic N-row contacts CSV (sample_data/generate.py's people:
mixed phone spellings, broken emails, company, address, city, zip, country, birthday; ~10%
duplicates by email case, nickname and typo) to bench/out once, loads it, and times
clean_tables with dedupe on, printing rows/s and the time of each on_progress stage.
Target: 50,000 rows end-to-end in <= 10 s. It prints the time and peak RSS of each phase
(load, map, normalise, the dedupe steps, merge, build). `--pipeline-only --csv FILE` does the
same for a given contacts CSV, e.g. bench_dedupe.py's household-rich 1,000,000 rows (target:
the whole clean <= 100 s, < 2.5 GB peak).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

AREA_CODES = np.array([201, 202, 206, 212, 213, 303, 305, 312, 404, 415, 503, 512, 602, 617, 646,
                       702, 713, 718, 773, 818, 917, 972])
FIRST = ["james", "MARY", "Robert", "patricia", "John", "JENNIFER", "Michael", "linda", "William",
         "Elizabeth", "David", "BARBARA", "Richard", "Susan", "Joseph", "Jessica", "Priya", "Wei",
         "Carlos", "Sofia", "Ahmed", "Yuki", "Liam", "Chloe", "Mateo", "Aisha", "sean", "Jean-luc"]
LAST = ["Smith", "JOHNSON", "williams", "Brown", "Jones", "GARCIA", "Miller", "Davis", "o'brien",
        "MCDONALD", "van der berg", "Patel", "Kim", "Chen", "Müller", "Dubois", "Rossi", "Kowalski",
        "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell"]
DOMAINS = ["gmail.com", "yahoo.com", "acme.com", "example.org", "pioneerlabs.io", "web.de",
           "summitsystems.com", "harbor-logistics.co.uk"]


def make_rows(rows: int, seed: int = 7) -> pd.DataFrame:
    """Synthetic contacts: ~70% distinct phones and emails, dates of birth in 4 US formats."""
    rng = np.random.default_rng(seed)
    person = rng.integers(0, int(rows * 1.4), rows)  # people repeat: ~70% distinct per column
    area = AREA_CODES[person % len(AREA_CODES)].astype(str)
    exchange = (200 + (person // 7) % 800).astype(str)
    line = np.char.zfill(((person * 37) % 10000).astype(str), 4)
    style = rng.integers(0, 10, rows)
    area_s, exch_s, line_s = pd.Series(area), pd.Series(exchange), pd.Series(line)
    phones = np.select(
        [style < 3, style < 5, style < 7, style < 8, style < 9],
        [("(" + area_s + ") " + exch_s + "-" + line_s).to_numpy(),
         (area_s + "-" + exch_s + "-" + line_s).to_numpy(),
         ("+1 " + area_s + " " + exch_s + " " + line_s).to_numpy(),
         (area_s + "." + exch_s + "." + line_s + " x" + pd.Series(style.astype(str))).to_numpy(),
         ("+49 30 " + exch_s + line_s).to_numpy()],
        default=(exch_s + "-" + line_s).to_numpy(),  # 10%: no area code -> reported as invalid
    )
    first = np.array(FIRST)[person % len(FIRST)]
    last = np.array(LAST)[(person // len(FIRST)) % len(LAST)]
    local = (pd.Series(first).str.lower().str.replace(r"[^a-z]", "", regex=True) + "."
             + pd.Series(last).str.lower().str.replace(r"[^a-z]", "", regex=True)
             + pd.Series((person % 997).astype(str)))
    domain = pd.Series(np.array(DOMAINS)[person % len(DOMAINS)])
    email_style = rng.integers(0, 20, rows)
    emails = np.select(
        [email_style < 14, email_style < 17, email_style < 19],
        [(local + "@" + domain).to_numpy(), (local.str.upper() + "@" + domain.str.upper()).to_numpy(),
         (pd.Series(first) + " " + pd.Series(last) + " <" + local + "@" + domain + ">").to_numpy()],
        default=(local + "@").to_numpy(),  # 5%: broken
    )
    born = pd.Timestamp("1940-01-01") + pd.to_timedelta(person % 25000, unit="D")
    born_s = pd.Series(born)
    date_style = rng.integers(0, 4, rows)
    dates = np.select(
        [date_style == 0, date_style == 1, date_style == 2],
        [born_s.dt.strftime("%m/%d/%Y").to_numpy(), born_s.dt.strftime("%Y-%m-%d").to_numpy(),
         born_s.dt.strftime("%b %d, %Y").to_numpy()],
        default=born_s.dt.strftime("%m/%d/%y").to_numpy(),
    )
    return pd.DataFrame({"phone": phones, "email": emails, "date_of_birth": dates,
                         "firstname": first, "lastname": last}).astype(object)


OUT = Path(__file__).resolve().parent / "out"
PIPELINE_HEADER = ["First Name", "Last Name", "Email", "Phone", "Mobile", "Company", "Job Title",
                   "Street", "City", "State", "Zip", "Country", "Birthday"]


def write_contacts_csv(rows: int, seed: int = 20261123) -> Path:
    """A realistic contacts CSV of `rows` data rows, ~10% duplicates (written once, reused)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"clean_contacts_{rows}.csv"
    if path.exists():
        return path
    spec = importlib.util.spec_from_file_location(
        "_sample_generate", Path(__file__).resolve().parent.parent / "sample_data" / "generate.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    pool = gen.People(random.Random(seed))
    dupes = rows // 10
    people = pool.with_duplicates([pool.person() for _ in range(rows - dupes)],
                                  dupes // 2, dupes // 4, dupes - dupes // 2 - dupes // 4)
    rng = pool.rng
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(PIPELINE_HEADER)
        for person in people:
            p = pool.messy(person)
            year, month, day = p["birthday"].split("-")
            born = rng.choice([p["birthday"], f"{int(month)}/{int(day)}/{year}", f"{day}.{month}.{year}", ""])
            writer.writerow([p["first"], p["last"], p["email"], p["phone"], p["mobile"], p["company"],
                             p["title"], p["street"], p["city"], p["state"], p["zip"], p["country"], born])
    tmp.rename(path)
    return path


def _status_mb(key: str) -> float:
    """A /proc/self/status figure (VmRSS, VmHWM) in MB; 0 where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _reset_peak() -> bool:
    """Restart the kernel's peak-RSS count (VmHWM) so it measures one phase (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def time_pipeline(rows: int, csv_path: str | None = None) -> None:
    """clean_tables with dedupe on over a contacts CSV: rows/s, time and peak RSS per phase.

    `csv_path`: that file (e.g. bench_dedupe.py's household-rich set), else a generated one."""
    from crm_migrate.clean.pipeline import clean_tables
    from crm_migrate.dedupe.engine import (
        PROGRESS_BLOCKING,
        PROGRESS_FEATURES,
        PROGRESS_LEARNING,
        PROGRESS_SCORING,
    )
    from crm_migrate.mapping.build import build_profile
    from crm_migrate.mapping.profile import Profile
    from crm_migrate.progress import Progress
    from crm_migrate.sources import load_many

    path = Path(csv_path) if csv_path else OUT / f"clean_contacts_{rows}.csv"
    if not path.exists():  # generated in a child process: its memory is not the pipeline's peak
        subprocess.run([sys.executable, __file__, "--write-csv", str(rows)], check=True)
    # the dedupe phase's steps, by the share of it each one ends at
    steps = [("dedupe:features", PROGRESS_FEATURES), ("dedupe:blocking", PROGRESS_BLOCKING),
             ("dedupe:learning", PROGRESS_LEARNING), ("dedupe:scoring", PROGRESS_SCORING),
             ("dedupe:guard", 1.0)]
    marks: list[tuple[str, float, float]] = []  # (phase, seconds, peak MB)
    current = ["load", time.perf_counter()]
    per_phase_peak = _reset_peak()
    longest = [0.0, time.perf_counter()]  # longest time without a progress call
    where = [""]  # and the report that ended it

    def close(name: str) -> None:
        now = time.perf_counter()
        marks.append((str(current[0]), now - float(current[1]), _status_mb("VmHWM")))
        _reset_peak()
        current[0], current[1] = name, now

    def progress(p: Progress) -> None:
        now = time.perf_counter()
        if now - longest[1] > longest[0]:
            where[0] = f"{current[0]} -> {p.phase} {p.done:,}/{p.total or 0:,}"
        longest[0], longest[1] = max(longest[0], now - longest[1]), now
        name = p.phase
        if name == "dedupe":
            share = p.done / p.total if p.total else 0.0
            name = next((step for step, end in steps if share < end - 1e-9), steps[-1][0])
        if name != current[0]:
            close(name)

    start = time.perf_counter()
    tables = load_many([str(path)], {})
    profile: Profile = build_profile(tables, "contacts", region="US")
    rows = len(tables[0].frame)
    mapped = [f"{m.column}->{m.field}" for m in profile.fields if m.field]
    left_out = [m.column for m in profile.fields if not m.field and not m.split_into]
    print(f"mapped: {', '.join(mapped)}" + (f"; left out: {', '.join(left_out)}" if left_out else ""))
    longest[1] = time.perf_counter()  # silences inside the clean (the load above reports nothing here)
    result = clean_tables(tables, profile, on_progress=progress)
    close("end")
    elapsed = time.perf_counter() - start
    print(f"clean_tables (dedupe on) on {rows:,} contact rows ({path.name}), load included: "
          f"{elapsed:.2f} s -> {rows / elapsed:,.0f} rows/s "
          f"({'within' if elapsed <= 10 * rows / 50_000 else 'OVER'} the 10 s per 50,000 rows target)")
    print(f"  {'phase':<16} {'time':>8} {'peak RSS':>10}" + ("" if per_phase_peak else "  (peak since start)"))
    for name, secs, peak in marks:
        print(f"  {name:<16} {secs:7.2f}s {peak:8,.0f} MB")
    print(f"  longest time without a progress call: {longest[0]:.1f} s (until {where[0]}); "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"  {result.rows_in:,} rows in, {len(result.frame):,} out, "
          f"{len(result.duplicate_groups):,} duplicate groups, {len(result.issues):,} issues; "
          f"peak RSS {max(m[2] for m in marks):,.0f} MB")


def naive_row(row: pd.Series) -> pd.Series:
    """What a straightforward script does: every library call on every row."""
    import phonenumbers
    from dateutil import parser
    from email_validator import EmailNotValidError, validate_email

    try:
        number = phonenumbers.parse(row["phone"], "US")
        phone = (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                 if phonenumbers.is_valid_number(number) else "")
    except phonenumbers.NumberParseException:
        phone = ""
    try:
        address = row["email"].split("<")[-1].strip(" >")
        email = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        email = ""
    try:
        born = parser.parse(row["date_of_birth"]).date().isoformat()
    except (ValueError, OverflowError):
        born = ""
    return pd.Series({"phone": phone, "email": email, "date_of_birth": born,
                      "firstname": row["firstname"].title(), "lastname": row["lastname"].title()})


def ours(frame: pd.DataFrame) -> dict[str, float]:
    """Time each normaliser over the full frame."""
    from crm_migrate.clean.dates import normalize_dates
    from crm_migrate.clean.emails import normalize_emails
    from crm_migrate.clean.names import normalize_person_names
    from crm_migrate.clean.phones import normalize_phones

    timings: dict[str, float] = {}
    steps: list[tuple[str, Any]] = [
        ("phone", lambda: normalize_phones(frame["phone"], "US")),
        ("email", lambda: normalize_emails(frame["email"])),
        ("date_of_birth", lambda: normalize_dates(frame["date_of_birth"])),
        ("firstname", lambda: normalize_person_names(frame["firstname"])),
        ("lastname", lambda: normalize_person_names(frame["lastname"])),
    ]
    for name, step in steps:
        start = time.perf_counter()
        result = step()
        timings[name] = time.perf_counter() - start
        invalid = int(((result.problems != "") & (result.values == "")).sum())
        print(f"  {name:<14} {timings[name]:7.2f} s   distinct in: {frame[name].nunique():>9,}   "
              f"invalid: {invalid:>7,}")
    return timings


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--rows", type=int, default=1_000_000)
    args.add_argument("--baseline-rows", type=int, default=50_000)
    args.add_argument("--pipeline", action="store_true", help="also time clean_tables (no dedupe)")
    args.add_argument("--pipeline-rows", type=int, default=0,
                      help="also time clean_tables with dedupe on over a generated N-row contacts CSV")
    args.add_argument("--pipeline-only", action="store_true", help="only the --pipeline-rows timing")
    args.add_argument("--csv", default=None,
                      help="with --pipeline-only: time the whole clean of this contacts CSV instead")
    args.add_argument("--write-csv", type=int, default=0, help=argparse.SUPPRESS)
    opts = args.parse_args()
    if opts.write_csv:
        write_contacts_csv(opts.write_csv)
        return
    if opts.pipeline_only:
        time_pipeline(opts.pipeline_rows or 50_000, opts.csv)  # prints its peak RSS per phase
        return

    start = time.perf_counter()
    frame = make_rows(opts.rows)
    print(f"generated {len(frame):,} rows in {time.perf_counter() - start:.1f} s")

    print(f"crm-migrate normalisers on {len(frame):,} rows:")
    timings = ours(frame)
    total = sum(timings.values())
    print(f"  total          {total:7.2f} s   -> {len(frame) / total:,.0f} rows/s "
          f"({'within' if total <= 60 else 'OVER'} the 60 s target)")

    slice_rows = min(opts.baseline_rows, len(frame))
    sample = frame.iloc[:slice_rows]
    start = time.perf_counter()
    sample.apply(naive_row, axis=1)
    naive = time.perf_counter() - start
    naive_full = naive * len(frame) / slice_rows
    print(f"naive row-by-row DataFrame.apply on {slice_rows:,} rows: {naive:.2f} s "
          f"({slice_rows / naive:,.0f} rows/s)")
    if slice_rows < len(frame):
        print(f"  extrapolated to {len(frame):,} rows: {naive_full:.0f} s (an estimate, not measured)")
    print(f"speed-up: {naive_full / total:.1f}x")

    if opts.pipeline:
        from crm_migrate.clean.pipeline import clean_tables
        from crm_migrate.mapping.profile import DedupeSettings, FieldMapping, Profile
        from crm_migrate.table import Detection, SourceTable

        source = frame.copy()
        source.index = range(1, len(source) + 1)
        table = SourceTable(source, Detection(path="bench.csv", format="csv"), "bench.csv")
        profile = Profile(object="contacts", default_region="US",
                          fields=[FieldMapping(c, c) for c in frame.columns],
                          dedupe=DedupeSettings(enabled=False))
        start = time.perf_counter()
        result = clean_tables([table], profile)
        elapsed = time.perf_counter() - start
        print(f"clean_tables (map, normalise, validate, records; dedupe off) on {len(frame):,} rows: "
              f"{elapsed:.1f} s, {len(result.issues):,} issues")
    if opts.pipeline_rows:
        time_pipeline(opts.pipeline_rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
