"""Honest progress on the issue-14 drills: for every phase, how long it went without a progress
report (target: never more than 2 s) and how far its ETA was from the time it actually took
(target: within ±25% once 10% is done).

Drills against a sandbox subprocess (--rate-limit 100 --latency-ms 50):
  clean: 2,000 rows (300 duplicate groups) matched against a target holding 20,800 contacts;
  push: 20,000 contacts naming companies (classify, companies, records, associations), stopped
        at a third and resumed, then rolled back;
  updates: a rollback of 5,000 updates (two writes each) and 5,000 creates (one).
Run: .venv/bin/python bench/bench_progress.py [--scale 0.1] (0.1 = the Pilot-test size).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_push import Sandbox, records  # noqa: E402
from crm_migrate.progress import Progress  # noqa: E402

LIMITS = ("--rate-limit", "100", "--latency-ms", "50")
MAX_GAP_S = 2.0
ETA_TOLERANCE = 0.25


class Recorder:
    """Every report of an action, as it arrived."""

    def __init__(self) -> None:
        self.reports: list[Progress] = []

    def __call__(self, progress: Progress) -> None:
        self.reports.append(progress)


TRACE: Path | None = None  # --trace: every rated report of every phase, as CSV lines
SUMMARY: list[str] = []  # one line per rated phase, printed again at the end


def trace(drill: str, phase: str, p: Progress, into: float, remaining: float) -> None:
    if TRACE is None:
        return
    with TRACE.open("a") as out:
        out.write(f"{drill},{phase},{into:.2f},{p.done},{p.total},{p.rate:.1f},"
                  f"{'' if p.eta_s is None else f'{p.eta_s:.2f}'},{remaining:.2f}\n")


def analyse(name: str, reports: list[Progress], finished_at: float) -> bool:
    """Print per phase: duration, reports, the longest silence, the ETA error; True when fine."""
    ok = True
    phases: list[list[Progress]] = []
    for p in reports:
        if not phases or phases[-1][0].phase != p.phase or p.phase_started_at != phases[-1][0].phase_started_at:
            phases.append([])
        phases[-1].append(p)
    print(f"{name}: {len(reports):,} reports, {len(phases)} phases")
    for number, group in enumerate(phases):
        end = phases[number + 1][0].at if number + 1 < len(phases) else finished_at
        times = [group[0].phase_started_at] + [p.at for p in group] + [end]
        silence = max(b - a for a, b in zip(times, times[1:], strict=False))
        duration = end - group[0].phase_started_at
        errors: list[float] = []
        where: list[str] = []
        finished = group[-1].total is not None and group[-1].done >= group[-1].total
        for p in group if finished else []:  # a stopped phase's end says nothing of its ETA
            total = p.total or 0
            remaining = end - p.at
            trace(name, p.phase, p, p.at - group[0].phase_started_at, remaining)
            if total and p.done >= 0.1 * total and p.done < total and p.eta_s is not None \
                    and remaining >= 1.0:
                errors.append((p.eta_s - remaining) / remaining)
                where.append(f"at {p.done:,}/{total:,}, {p.at - group[0].phase_started_at:.1f} s in, "
                             f"ETA {p.eta_s:.1f} s vs {remaining:.1f} s left")
        worst = max(errors, key=abs) if errors else None
        eta = (f"ETA error median {statistics.median(errors):+.0%}, worst {worst:+.0%} "
               f"({len(errors)} reports)" if errors else
               "ETA error: not rated (phase stopped or too short)")
        flag = ""
        if silence > MAX_GAP_S:
            ok, flag = False, "  <-- silent too long"
        elif worst is not None and abs(statistics.median(errors)) > ETA_TOLERANCE:
            flag = "  <-- ETA off"
        unit = group[-1].unit
        within = sum(abs(e) <= ETA_TOLERANCE for e in errors)
        print(f"  {group[0].phase:<22} {duration:7.1f} s  {group[-1].done:>7,}/"
              f"{group[-1].total or 0:<7,} {unit:<9} longest silence {silence:4.1f} s  {eta}{flag}")
        if errors:
            print(f"  {'':<22} {within}/{len(errors)} reports within ±{ETA_TOLERANCE:.0%}; worst "
                  f"{where[errors.index(worst)]}")
            SUMMARY.append(f"  {name.split(' (')[0] + ': ' + group[0].phase:<34} {within:>4}/"
                           f"{len(errors):<4} within ±{ETA_TOLERANCE:.0%}   worst {worst:+5.0%}   "
                           f"median {statistics.median(errors):+4.0%}   ({duration:.1f} s)")
    return ok


def people_csv(path: Path, rows: int, groups: int, known: int) -> None:
    """`rows` contacts: `groups` duplicate pairs (a typo'd name, same email), the first `known`
    emails already on the target."""
    lines = ["Email,First Name,Last Name,Company,Phone"]
    for i in range(1, rows - groups + 1):
        email = f"c{i}@bench.example" if i <= known else f"new{i}@bench.example"
        lines.append(f"{email},F{i},L{i},Acme {i % 50},+1415555{i % 10000:04d}")
        if i <= groups:
            lines.append(f"{email},F{i}x,L{i},Acme {i % 50},")
    path.write_text("\n".join(lines) + "\n")


def clean_drill(folder: Path, scale: float) -> bool:
    from crm_migrate.actions.cleaning import clean
    from crm_migrate.actions.files import load_files
    from crm_migrate.actions.profiles import build_profile
    from crm_migrate.push.runner import start_push

    target_n, rows, groups = int(20_800 * scale), max(200, int(2_000 * scale)), int(300 * scale)
    inputs = folder / "seed.csv"
    inputs.write_text("Email\n")
    sandbox = Sandbox(folder / "clean.sqlite3", *LIMITS)
    try:
        from crm_migrate.mapping.profile import FieldMapping, Profile

        start_push(paths=[str(inputs)], profile=Profile(fields=[FieldMapping("Email", "email")]),
                   profile_path=None, target="sandbox", url=sandbox.url,
                   journal_path=folder / "seed.journal", clean_result=records(target_n))
        csv = folder / "people.csv"
        people_csv(csv, rows, groups, known=rows // 2)
        tables = load_files([str(csv)]).tables
        profile = build_profile(tables, "contacts", region="US")
        seen = Recorder()
        outcome = clean(tables, profile, target="sandbox", url=sandbox.url, on_progress=seen)
        finished = time.monotonic()
        decided = decide_drill(csv, sandbox)
    finally:
        sandbox.stop()
    actions: dict[str, int] = {}
    for record in outcome.result.records:
        actions[record.action or "?"] = actions.get(record.action or "?", 0) + 1
    print(f"\nclean drill: {rows:,} rows, {groups} duplicate groups, target {target_n:,} contacts "
          f"-> {actions}")
    return analyse("clean", seen.reports, finished) and decided


def decide_drill(csv: Path, sandbox: Sandbox) -> bool:
    """The wizard's Dedupe decisions on the cleaned file (headless WizardState): how long each
    takes and how many requests the target saw meanwhile (must be none)."""
    from crm_migrate.tui.state import WizardState

    state = WizardState(target="sandbox", url=sandbox.url, object_name="contacts",
                        object_chosen=True, region="US")
    state.add_paths([str(csv)])
    state.load_tables()
    state.ensure_profile()
    state.run_clean()
    result = state.cleaning.clean_result
    assert result is not None
    groups = state.clean_views()["groups"]
    state.group_reviews()  # scored once, as the Dedupe step does on arrival
    asked = sandbox.stats()["requests"]
    timings: dict[str, list[float]] = {"x (not a duplicate)": [], "s (survivor)": [],
                                       "v (value)": [], "m (merge into CRM record)": []}
    for record in groups[:20]:
        started = time.perf_counter()
        state.next_survivor(record)
        timings["s (survivor)"].append(time.perf_counter() - started)
        started = time.perf_counter()
        state.next_value(record, "firstname")
        timings["v (value)"].append(time.perf_counter() - started)
    for record in groups[20:40]:
        started = time.perf_counter()
        state.not_duplicate([str(m) for m in record.members])
        timings["x (not a duplicate)"].append(time.perf_counter() - started)
    creating = [r for r in result.records if r.action == "create"][:20]
    some_id = next(r.target_id for r in result.records if r.target_id)
    for record in creating:
        started = time.perf_counter()
        state.force_merge(str(record.source), some_id)
        timings["m (merge into CRM record)"].append(time.perf_counter() - started)
    requests = sandbox.stats()["requests"] - asked
    print(f"\ndedupe decisions: {len(result.records):,} records from {result.rows_in:,} rows, "
          f"{len(groups):,} groups, target {sandbox.stats()['records']['contacts']:,} contacts")
    ok = requests == 0
    for name, took in timings.items():
        worst = max(took) if took else 0.0
        ok &= worst < 1.0
        print(f"  {name:<26} {len(took):>3} decisions  median {statistics.median(took) * 1000:7.1f} ms"
              f"  worst {worst * 1000:7.1f} ms" if took else f"  {name}: none")
    print(f"  target requests during the decisions: {requests}  "
          f"({'none, as it should' if requests == 0 else 'SHOULD BE NONE'})")
    return ok


def push_drill(folder: Path, scale: float) -> bool:
    from crm_migrate.mapping.profile import FieldMapping, Profile
    from crm_migrate.push.runner import resume_push, rollback_push, start_push

    n = int(20_000 * scale)
    result = records(n)
    for i, record in enumerate(result.records):
        record.properties["company"] = f"Company {i % max(1, n // 10)}"
    inputs = folder / "push.csv"
    inputs.write_text("Email\n")
    journal = folder / "push.journal"
    sandbox = Sandbox(folder / "push.sqlite3", *LIMITS)
    ok = True
    try:
        first = Recorder()
        start_push(paths=[str(inputs)], profile=Profile(fields=[FieldMapping("Email", "email")]),
                   profile_path=None, target="sandbox", url=sandbox.url, journal_path=journal,
                   clean_result=result, on_progress=first,
                   should_stop=lambda: bool(first.reports) and first.reports[-1].phase == "records"
                   and first.reports[-1].done >= n // 3)
        print(f"\npush drill: {n:,} contacts naming {n // 10:,} companies, stopped at a third")
        ok &= analyse("push", first.reports, time.monotonic())
        refused = sandbox.stats()["rate_limited"]
        again = Recorder()
        summary = resume_push(journal, on_progress=again)
        ok &= analyse(f"resume ({summary.status['state']})", again.reports, time.monotonic())
        refused = rate_limited(sandbox, "resume", refused)
        back = Recorder()
        rolled = rollback_push(journal, on_progress=back)
        ok &= analyse(f"rollback ({rolled.status['state']})", back.reports, time.monotonic())
        rate_limited(sandbox, "rollback", refused)
    finally:
        sandbox.stop()
    return ok


def rate_limited(sandbox: Sandbox, step: str, before: int) -> int:
    """Print the 429s the sandbox answered during `step`; return its running count."""
    now = int(sandbox.stats()["rate_limited"])
    print(f"  {step}: {now - before} requests answered 429 (rate limited)")
    return now


def update_rollback_drill(folder: Path, scale: float) -> bool:
    """A rollback whose records cost differently: a run that updated 5,000 contacts (their
    lifecycle stage: restored by clearing it first, two writes) and created 5,000 (archived,
    one write), rolled back right after it ran."""
    from crm_migrate.mapping.profile import FieldMapping, Profile
    from crm_migrate.push.runner import rollback_push, start_push

    n = int(5_000 * scale)
    inputs = folder / "updates.csv"
    inputs.write_text("Email\n")
    sandbox = Sandbox(folder / "updates.sqlite3", *LIMITS)
    ok = True
    try:
        seed = records(n)
        for record in seed.records:
            record.properties["lifecyclestage"] = "lead"
        mapping = Profile(fields=[FieldMapping("Email", "email")])
        start_push(paths=[str(inputs)], profile=mapping, profile_path=None, target="sandbox",
                   url=sandbox.url, journal_path=folder / "updates-seed.journal",
                   clean_result=seed)
        run = records(2 * n)
        for record in run.records:
            record.properties["lifecyclestage"] = "customer"
        journal = folder / "updates.journal"
        start_push(paths=[str(inputs)], profile=mapping, profile_path=None, target="sandbox",
                   url=sandbox.url, journal_path=journal, clean_result=run)
        refused = sandbox.stats()["rate_limited"]
        back = Recorder()
        rolled = rollback_push(journal, on_progress=back)
        print(f"\nrollback of {n:,} updates (lifecycle stage: two writes each) and {n:,} creates")
        ok &= analyse(f"rollback of updates ({rolled.status['state']})", back.reports,
                      time.monotonic())
        rate_limited(sandbox, "rollback", refused)
    finally:
        sandbox.stop()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the issue's sizes")
    parser.add_argument("--only", choices=["clean", "push", "updates"], default=None)
    parser.add_argument("--trace", type=Path, default=None,
                        help="append every report of a finished phase to this CSV (drill, phase, "
                        "seconds in, done, total, rate, ETA, seconds actually left)")
    args = parser.parse_args()
    global TRACE
    TRACE = args.trace
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CRM_MIGRATE_DATA_DIR"] = str(Path(tmp) / "data")
        if args.only in (None, "clean"):
            ok &= clean_drill(Path(tmp), args.scale)
        if args.only in (None, "push"):
            ok &= push_drill(Path(tmp), args.scale)
        if args.only in (None, "updates"):
            ok &= update_rollback_drill(Path(tmp), args.scale)
    print(f"\nETA within ±{ETA_TOLERANCE:.0%} of the time actually left, per rated phase "
          f"(reports once 10% is done and at least 1 s is left; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    print("\n".join(SUMMARY) or "  none rated")
    print(f"\nno phase silent for more than {MAX_GAP_S:.0f} s, decisions < 1 s with no request: "
          f"{'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
