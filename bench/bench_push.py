"""Push throughput against a sandbox subprocess (--rate-limit 100 --latency-ms 50): 20,000
contacts, records/s over the ceiling (100 requests x 100 records / 10 s = 1,000 records/s);
then the same through the CLI with --fail-rate 0.05 and one kill -9 + resume, counting
duplicates and lost rows. Run: .venv/bin/python bench/bench_push.py [--rows N]."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CEILING = 100 * 100 / 10.0  # records/s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sandbox:
    """`crm-migrate sandbox` as a subprocess."""

    def __init__(self, db: Path, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crm_migrate", "sandbox", "--port", str(self.port),
             "--db", str(db), *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.url}/_sandbox/stats", timeout=1)
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the sandbox did not start") from None
                time.sleep(0.1)

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_sandbox/stats").json()  # type: ignore[no-any-return]

    def emails(self) -> list[str]:
        from crm_migrate.sandbox import DEFAULT_TOKEN

        out: list[str] = []
        after = None
        with httpx.Client(base_url=self.url,
                          headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}) as client:
            while True:
                params = {"limit": "100", "properties": "email", **({"after": after} if after
                                                                  else {})}
                data = client.get("/crm/v3/objects/contacts", params=params).json()
                out += [r["properties"]["email"] for r in data["results"]]
                after = (data.get("paging") or {}).get("next", {}).get("after")
                if not after:
                    return out

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def records(n: int, object_name: str = "contacts") -> Any:
    import pandas as pd

    from crm_migrate.model import CleanResult, OutputRecord

    if object_name == "contacts":
        props = [{"email": f"c{i}@bench.example", "firstname": f"F{i}", "lastname": f"L{i}",
                  "phone": f"+1415555{i % 10000:04d}"} for i in range(1, n + 1)]
    else:
        props = [{"name": f"Company {i}", "city": "Berlin"} for i in range(1, n + 1)]
    recs = [OutputRecord(source=f"bench.csv:{i}", key=p.get("email"), properties=p)
            for i, p in enumerate(props, 1)]
    return CleanResult(object=object_name, frame=pd.DataFrame(props), rows_in=n, records=recs)


def throughput(folder: Path, n: int) -> None:
    from crm_migrate.mapping.profile import FieldMapping, Profile
    from crm_migrate.push.runner import start_push

    inputs = folder / "bench.csv"
    inputs.write_text("Email\n")
    sandbox = Sandbox(folder / "a.sqlite3", "--rate-limit", "100", "--latency-ms", "50")
    marks: list[tuple[float, int]] = []
    try:
        result = records(n)
        started = time.monotonic()
        summary = start_push(
            paths=[str(inputs)], profile=Profile(fields=[FieldMapping("Email", "email")]),
            profile_path=None, target="sandbox", url=sandbox.url,
            journal_path=folder / "a.journal", clean_result=result,
            on_progress=lambda p: marks.append((time.monotonic() - started, p.done)))
        elapsed = time.monotonic() - started
        stats = sandbox.stats()
    finally:
        sandbox.stop()
    rate = n / elapsed
    print(f"throughput: {n:,} contacts in {elapsed:.1f} s = {rate:,.0f} records/s = "
          f"{rate / CEILING:.1%} of the {CEILING:,.0f} records/s ceiling (whole run; the "
          f"first 10 s window starts empty, so the first 100 requests go at once)")
    window = int(CEILING * 10)  # records one full 10 s window carries
    if n > window:
        t_a, done_a = next((t, d) for t, d in marks if d >= n - window)
        steady = (n - done_a) / (elapsed - t_a)
        print(f"  steady state (last {n - done_a:,} records, once the window is in use): "
              f"{steady:,.0f} records/s = {steady / CEILING:.1%} of the ceiling")
    print(f"  state {summary.status['state']}, created {summary.status['created']:,}, "
          f"failed {summary.status['failed']}; requests {stats['requests']}, "
          f"429s {stats['rate_limited']}, contacts {stats['records']['contacts']:,}")


def kill_and_resume(folder: Path, n: int, kill_after: float) -> None:
    csv = folder / "people.csv"
    lines = ["Email,First Name,Last Name"]
    lines += [f"k{i}@bench.example,First{i},Last{i}" for i in range(1, n + 1)]
    csv.write_text("\n".join(lines) + "\n")
    profile = folder / "profile.yaml"
    profile.write_text("version: 1\nobject: contacts\nfields:\n  - {column: Email, field: email}\n"
                       "  - {column: First Name, field: firstname}\n"
                       "  - {column: Last Name, field: lastname}\n")
    db = folder / "b.sqlite3"
    journal = folder / "b.journal"
    sandbox = Sandbox(db, "--rate-limit", "100", "--latency-ms", "50", "--fail-rate", "0.05",
                      "--seed", "5")
    try:
        started = time.monotonic()
        push = subprocess.Popen(
            [sys.executable, "-m", "crm_migrate", "push", str(csv), "--profile", str(profile),
             "--target", "sandbox", "--url", sandbox.url, "--journal", str(journal)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while sandbox.stats()["records"]["contacts"] < n // 4 and push.poll() is None:
            time.sleep(0.05)
        time.sleep(kill_after)
        os.kill(push.pid, signal.SIGKILL)
        push.wait()
        at_kill = sandbox.stats()["records"]["contacts"]
        status = subprocess.run([sys.executable, "-m", "crm_migrate", "status", str(journal)],
                                capture_output=True, text=True).stdout.splitlines()
        resumed = subprocess.run([sys.executable, "-m", "crm_migrate", "resume", str(journal)],
                                 capture_output=True, text=True)
        elapsed = time.monotonic() - started
        stats = sandbox.stats()
    finally:
        sandbox.stop()
    clean = Sandbox(db)  # no limit, no faults: list every record
    try:
        emails = clean.emails()
    finally:
        clean.stop()
    expected = {f"k{i}@bench.example" for i in range(1, n + 1)}
    print(f"kill -9 + resume with --fail-rate 0.05: killed with {at_kill:,} contacts in the "
          f"sandbox; status then: {status[0].split(': ')[-1] if status else '?'}")
    print(f"  resume exit {resumed.returncode}: {resumed.stdout.strip()}")
    print(f"  total {elapsed:.1f} s (CLI: cleaning + push + resume); sandbox faults "
          f"{stats['faults']}, 429s {stats['rate_limited']}, requests {stats['requests']}")
    print(f"  contacts in sandbox {stats['records']['contacts']:,} / {n:,}; listed {len(emails):,}; "
          f"duplicates {len(emails) - len(set(emails))}; lost {len(expected - set(emails))}; "
          f"unexpected {len(set(emails) - expected)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--kill-after", type=float, default=2.0)
    parser.add_argument("--only", choices=["throughput", "kill"], default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CRM_MIGRATE_DATA_DIR"] = str(Path(tmp) / "data")
        if args.only in (None, "throughput"):
            throughput(Path(tmp), args.rows)
        if args.only in (None, "kill"):
            kill_and_resume(Path(tmp), args.rows, args.kill_after)


if __name__ == "__main__":
    main()
