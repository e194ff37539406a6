"""Hostile inputs at the sizes of issue 13: time, peak memory and what the CLI said, old figures beside.

Run: .venv/bin/python bench/bench_hostile.py [--only WORD ...] [--code OLD_CHECKOUT] [--timeout S]
Files are written under bench/out/hostile/ (gitignored). Each case runs the CLI in its own
subprocess (address space capped at 8 GB) so its peak RSS is its own. `--code` runs another
checkout's crm_migrate on the same files (e.g. `git archive 80f6ec1 | tar -x -C /tmp/old` for the
code before issue 13); a case that outlives `--timeout` is shown as such.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.sources import hostile  # noqa: E402  (the same generators as the tests)

OUT = REPO / "bench" / "out" / "hostile"
MEMORY_CAP = 8 << 30
PROFILE = "version: 1\nobject: contacts\nfields:\n  - {column: Name, field: firstname}\n" \
          "  - {column: Email, field: email}\n"


@dataclass
class Case:
    """One hostile input: how to write it, the CLI arguments, and the figure issue 13 gave."""

    name: str
    write: Callable[[Path], Path]
    command: Callable[[Path], list[str]]
    old: str


def _inspect(path: Path) -> list[str]:
    return ["inspect", str(path), "--json"]


def _plan(path: Path) -> list[str]:
    return ["plan", str(path), "--out", str(OUT / "plan.yaml")]


def _clean(extra_field: str | None = None) -> Callable[[Path], list[str]]:
    def command(path: Path) -> list[str]:
        profile = OUT / "profile.yaml"
        text = PROFILE + (f"  - {{column: Notes, field: {extra_field}}}\n" if extra_field else "")
        profile.write_text(text, encoding="utf-8")
        return ["clean", str(path), "--profile", str(profile), "--out", str(OUT / "cleaned.csv"),
                "--report", str(OUT / "report.json")]
    return command


def _fifo(path: Path) -> Path:
    if path.exists():
        path.unlink()
    os.mkfifo(path)
    return path


CASES = [
    Case("json nested 2,000 deep", lambda p: hostile.deep_json(p / "deep.json", 2000), _inspect,
         "RecursionError traceback"),
    Case("xlsx, one cell at XFD1048576 (1.5 KB)",
         lambda p: hostile.xlsx_with_cell(p / "far.xlsx", "XFD", 1_048_576), _inspect,
         "process aborted (512 GB allocation)"),
    Case("xlsx, 100-row table + stray cell at ZZ200000",
         lambda p: hostile.xlsx_with_cell(p / "stray.xlsx", "ZZ", 200_000, table_rows=100), _inspect,
         "5.9 GB"),
    Case("ods, table + stray cell at (9,000, 9,000)",
         lambda p: hostile.ods_with_cell(p / "stray.ods", 9_000, 9_000), _inspect,
         "(old code: 21 s, 6.1 GB)"),
    Case("email cell without @, 100k chars (clean)",
         lambda p: hostile.email_without_at_csv(p / "email.csv", 100_000), _clean(), "47 s"),
    Case("email cell without @, 60k chars (clean, under the 65,536 cap)",
         lambda p: hostile.email_without_at_csv(p / "email60k.csv", 60_000), _clean(), "(old code: 91 s)"),
    Case("all-caps header, 40k chars (plan)", lambda p: hostile.caps_header_csv(p / "caps.csv", 40_000),
         _plan, "36 s"),
    Case("20k columns (inspect)", lambda p: hostile.wide_csv(p / "cols20k.csv", 20_000), _inspect, "163 s"),
    Case("100k columns (inspect)", lambda p: hostile.wide_csv(p / "cols100k.csv", 100_000), _inspect,
         "> 3 min"),
    Case("16k columns, the most allowed (plan)", lambda p: hostile.wide_csv(p / "cols16k.csv", 16_000),
         _plan, "(old code: 22.5 s)"),
    Case("16k columns, the most allowed (inspect)", lambda p: hostile.wide_csv(p / "cols16k.csv", 16_000),
         _inspect, "(old code: 26 s)"),
    Case("50 MB cell mapped to lastname (clean)",
         lambda p: hostile.big_cell_csv(p / "big.csv", 50_000_000), _clean("lastname"), "> 5 min"),
    Case("50 MB cell mapped to date_of_birth (clean)",
         lambda p: hostile.big_cell_csv(p / "big.csv", 50_000_000), _clean("date_of_birth"), "> 5 min"),
    Case("UTF-8 file with cp1252 lines (inspect)",
         lambda p: hostile.mixed_encoding_csv(p / "mixed.csv"), _inspect, "names garbled, no issue"),
    Case("vCard value folded over 40k lines (inspect)",
         lambda p: hostile.folded_vcard(p / "fold.vcf", 40_000), _inspect, "(old code: 20 s)"),
    Case("FIFO given as the input (inspect)", lambda p: _fifo(p / "input.csv"), _inspect,
         "'file is empty'; push: 'no such file'"),
]


def measure(args: list[str]) -> None:
    """In the child: run the CLI, print exit code, seconds and peak RSS as JSON on the last line."""
    if os.environ.get("BENCH_CODE"):  # another checkout's crm_migrate, ahead of this one
        sys.path.insert(0, os.environ["BENCH_CODE"])
    # deferred: the child imports crm_migrate from the checkout chosen above
    from crm_migrate.cli import run

    started = time.perf_counter()
    code = run(args)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"code": code, "seconds": seconds, "peak_mb": peak_mb}))


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_case(case: Case, code: str | None, timeout: float) -> dict[str, object]:
    """Write the case's file, run its command in a capped subprocess, collect the figures."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = case.write(OUT)
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1", "BENCH_CODE": code or ""}
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, __file__, "--measure", json.dumps(case.command(path))],
                              env=env, preexec_fn=_cap, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return {"code": "-", "seconds": timeout, "peak_mb": float("nan"), "stderr_lines": 0,
                "said": f"still running after {timeout:.0f} s: stopped", "size": 0}
    wall = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    try:
        figures = json.loads(lines[-1])
    except (IndexError, ValueError):
        figures = {"code": done.returncode, "seconds": wall, "peak_mb": float("nan")}
    stderr = done.stderr.strip().splitlines()
    said = stderr[-1] if stderr else ""
    if figures["code"] == 0 and lines[:-1]:
        said = _issue_summary(lines[:-1])
    return {**figures, "stderr_lines": len(stderr), "said": said, "size": path.stat().st_size
            if path.is_file() else 0}


def _issue_summary(stdout_lines: list[str]) -> str:
    """The first reported issue of `inspect --json`, or the CLI's last line."""
    try:
        issues = json.loads("\n".join(stdout_lines)).get("issues") or []
    except ValueError:
        return stdout_lines[-1]
    return f"{len(issues)} issue(s): {issues[0]['problem']}" if issues else "ok, no issue"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", help="run only the cases whose name contains one of these")
    parser.add_argument("--code", help="another checkout whose crm_migrate to run (the old code)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a case is stopped")
    options = parser.parse_args()
    if options.measure:
        measure(json.loads(options.measure))
        return
    # old: the figure issue 13 gives, or (old code: ...) from `--code` on the commit before it
    print(f"{'input':<62} {'exit':>4} {'time':>8} {'peak':>9}  {'old (issue 13)':<38} what it said")
    for case in CASES:
        if options.only and not any(word in case.name for word in options.only):
            continue
        result = run_case(case, options.code, options.timeout)
        said = " ".join(str(result["said"]).split())
        if len(said) > 150:
            said = said[:149] + "…"
        print(f"{case.name:<62} {result['code']:>4} {result['seconds']:>7.2f}s {result['peak_mb']:>6.0f} MB"
              f"  {case.old:<38} {said}", flush=True)


if __name__ == "__main__":
    main()
