"""Failure drill of the push (loopback only, bounded): N trials, each on a fresh sandbox with
injected 500/502/503 faults (some after the write committed) and search that lags writes. Trials
alternate between

- one run killed (kill -9) at a random moment, its resumes killed too at random, then resumed to
  the end, while another writer creates some of the same contacts (plain creates by e-mail)
  and companies (batch upsert by crm_migrate_id, as another crm-migrate would);
- two overlapping runs (rows 1..2n/3 and n/3..n) started together, killed and resumed as above,
  with the other writer as well; then one of them is rolled back.

It prints trials, duplicate contacts and companies, lost rows, records wrongly archived by
rollback (another run's or the other writer's) and status mismatches (journal vs target).
Companies the run found by name before it started are matched; a company another writer creates
by name alone while the run goes cannot be told from ours (HubSpot has no unique company key).

Run: .venv/bin/python bench/drill_push.py [--trials 30] [--rows 120] [--seed 1]
     [--search-lag-ms 2000] [--fail-rate 0.1]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crm_migrate.identity import identity_keys  # noqa: E402 - after the path insert
from crm_migrate.push.runner import push_status  # noqa: E402
from crm_migrate.sandbox import DEFAULT_TOKEN  # noqa: E402
from crm_migrate.sandbox.serve import SandboxServer  # noqa: E402

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
COMPANIES = [("Acme", "acme.example"), ("Globex", ""), ("Initech", "initech.example"),
             ("Umbrella", ""), ("Hooli", "hooli.example"), ("Vandelay", ""),
             ("Soylent", "soylent.example"), ("Tyrell", "")]
PROFILE = """version: 1
object: contacts
fields:
  - column: Email
    field: email
  - column: First Name
    field: firstname
  - column: Company
    field: company
  - column: Website
    field: website
"""
RUN_TIMEOUT = 180.0


def write_input(folder: Path, name: str, rows: range) -> Path:
    lines = ["Email,First Name,Company,Website"]
    for i in rows:
        company, domain = COMPANIES[i % len(COMPANIES)]
        lines.append(f"p{i}@drill.example,Ann{i},{company},{domain}")
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def company_key(name: str, domain: str) -> str:
    payload = {"name": name, **({"domain": domain} if domain else {})}
    return identity_keys("companies", [(payload, "x")])[0]


class OtherWriter(threading.Thread):
    """Creates some of the run's contacts and companies while it goes."""

    def __init__(self, url: str, rng: random.Random, rows: int, skip: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.delay = rng.uniform(0.2, 3.0)
        self.emails = rng.sample(range(1, rows + 1), k=max(3, rows // 10))
        # not the company the target held before (it has no crm_migrate_id: an upsert by it
        # would make the other writer, not the run, create a second one)
        self.companies = rng.sample([c for c in COMPANIES if c[0] != skip], k=2)
        self.created_ids: set[str] = set()

    def run(self) -> None:
        time.sleep(self.delay)
        with httpx.Client(base_url=self.url, headers=AUTH, timeout=30) as client:
            for start in range(0, len(self.emails), 4):
                inputs = [{"properties": {"email": f"p{i}@drill.example",
                                          "firstname": f"Other{i}"}}
                          for i in self.emails[start : start + 4]]
                self._send(client, "contacts/batch/create", inputs)
                time.sleep(0.1)
            inputs = [{"id": company_key(n, d), "idProperty": "crm_migrate_id",
                       "properties": {"name": n, **({"domain": d} if d else {})}}
                      for n, d in self.companies]
            self._ensure_key(client)
            self._send(client, "companies/batch/upsert", inputs)

    def _ensure_key(self, client: httpx.Client) -> None:
        client.post("/crm/v3/properties/companies", json={
            "name": "crm_migrate_id", "label": "crm-migrate id", "type": "string",
            "fieldType": "text", "groupName": "companyinformation", "hasUniqueValue": True})

    def _send(self, client: httpx.Client, path: str, inputs: list[dict[str, Any]]) -> None:
        for _ in range(20):  # the sandbox injects faults for everyone
            try:
                response = client.post(f"/crm/v3/objects/{path}", json={"inputs": inputs})
            except httpx.HTTPError:
                continue
            if response.status_code in (200, 201, 207):
                for r in response.json().get("results") or []:
                    if path.startswith("contacts") or r.get("new"):
                        self.created_ids.add(str(r["id"]))
                return
            if response.status_code == 409:  # ours got there first: one at a time
                if len(inputs) > 1:
                    for item in inputs:
                        self._send(client, path, [item])
                return
            time.sleep(0.05)


def cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "crm_migrate", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def maybe_kill(proc: subprocess.Popen[str], rng: random.Random, chance: float) -> bool:
    """kill -9 the process at a random moment (with `chance`); whether it was killed."""
    if rng.random() < chance:
        deadline = time.monotonic() + rng.uniform(0.6, 3.0)
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
    proc.wait(timeout=RUN_TIMEOUT)
    return False


def finish(journal: Path, rng: random.Random, env: dict[str, str]) -> tuple[int, str]:
    """Resume until completed (some resumes killed too); (kills, last stderr)."""
    kills = 0
    err = ""
    for _ in range(12):
        if not journal.exists():
            return kills, "no journal (killed before it was written)"
        state = push_status(journal)["state"]
        if state == "completed":
            return kills, err
        proc = cli("resume", str(journal), env=env)
        kills += maybe_kill(proc, rng, 0.35)
        err = proc.stderr.read() if proc.stderr else ""
    return kills, err


def live(client: httpx.Client, obj: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        params: list[tuple[str, str]] = [("limit", "100"), ("properties", "email"),
                                         ("properties", "name")]
        if after:
            params.append(("after", after))
        data = client.get(f"/crm/v3/objects/{obj}", params=params).json()
        out += data["results"]
        after = (data.get("paging") or {}).get("next", {}).get("after")
        if not after:
            return out


def journal_rows(journal: Path) -> list[tuple[str, str, str | None, int]]:
    """(kind, state, target id, created) of each row."""
    import sqlite3  # the drill reads the journal's rows directly, as an auditor would

    conn = sqlite3.connect(f"{journal.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return list(conn.execute("SELECT kind, state, target_id, created FROM rows"))
    finally:
        conn.close()


def failed_errors(journal: Path) -> list[str]:
    import sqlite3  # as in journal_rows

    conn = sqlite3.connect(f"{journal.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [f"{k} {src}: {err}" for k, src, err in conn.execute(
            "SELECT kind, source, error FROM rows WHERE state = 'failed' LIMIT 3")]
    finally:
        conn.close()


def trial(number: int, folder: Path, rows: int, rng: random.Random, *,
          search_lag_ms: int = 200, fail_rate: float | None = None) -> dict[str, int]:
    fail_rate = rng.uniform(0.05, 0.2) if fail_rate is None else fail_rate
    overlap = number % 2 == 1
    env = {**os.environ, "CRM_MIGRATE_TOKEN": DEFAULT_TOKEN, "HOME": str(folder),
           "XDG_CONFIG_HOME": str(folder / "cfg"), "XDG_DATA_HOME": str(folder / "data"),
           "PYTHONPATH": str(REPO)}
    (folder / "profile.yaml").write_text(PROFILE)
    out = Counter[str]()
    with SandboxServer(folder / "sandbox.sqlite3", seed=number,
                       latency_ms=rng.choice((10, 30, 60)),
                       search_lag_ms=search_lag_ms) as server, \
            httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
        # a company the target held before the run: matched by name, never created again
        pre_name, pre_domain = COMPANIES[rng.randrange(len(COMPANIES))]
        existing: set[str] = set()
        for _ in range(20):
            response = client.post("/crm/v3/objects/companies/batch/create", json={"inputs": [
                {"properties": {"name": pre_name, **({"domain": pre_domain}
                                                     if pre_domain else {})}}]})
            if response.status_code == 201:
                existing = {str(r["id"]) for r in response.json()["results"]}
                break
        time.sleep(search_lag_ms / 1000 + 0.1)  # past the search lag
        server.set_faults(fail_rate=fail_rate)  # from now on, for every client
        plans = ([("a", range(1, 2 * rows // 3 + 1)), ("b", range(rows // 3 + 1, rows + 1))]
                 if overlap else [("a", range(1, rows + 1))])
        other = OtherWriter(server.url, rng, rows, pre_name)
        procs = []
        journals = {}
        for name, span in plans:
            csv = write_input(folder, f"{name}.csv", span)
            journals[name] = folder / f"{name}.journal"
            procs.append(cli("push", str(csv), "--profile", str(folder / "profile.yaml"),
                             "--target", "sandbox", "--url", server.url, "--journal",
                             str(journals[name]), "--batch-size", str(rng.choice((5, 10, 25))),
                             env=env))
        other.start()
        threads = [threading.Thread(target=lambda p=p: out.update(
            kills=maybe_kill(p, rng, 0.8))) for p in procs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        other.join(timeout=60)
        server.set_faults(fail_rate=fail_rate)
        for name, journal in journals.items():
            if not journal.exists():  # killed before its journal existed: push again
                csv = folder / f"{name}.csv"
                proc = cli("push", str(csv), "--profile", str(folder / "profile.yaml"),
                           "--target", "sandbox", "--url", server.url, "--journal",
                           str(journal), env=env)
                proc.wait(timeout=RUN_TIMEOUT)
            kills, err = finish(journal, rng, env)
            out["kills"] += kills
            if push_status(journal)["state"] != "completed":
                out["status_mismatches"] += 1
                print(f"  trial {number}: {name} did not complete: {err.strip()[-300:]}")
        server.set_faults(fail_rate=0.0)
        contacts = live(client, "contacts")
        companies = live(client, "companies")
        emails = Counter(c["properties"].get("email") for c in contacts)
        names = Counter((c["properties"].get("name") or "").casefold() for c in companies)
        out["duplicate_contacts"] += sum(n - 1 for n in emails.values() if n > 1)
        out["duplicate_companies"] += sum(n - 1 for n in names.values() if n > 1)
        for name in (n for n, k in names.items() if k > 1):
            print(f"  trial {number}: company {name!r} {names[name]} times (held before: "
                  f"{pre_name!r}; other writer: {[c[0] for c in other.companies]})")
        wanted = {f"p{i}@drill.example" for _, span in plans for i in span}
        out["lost_rows"] += len(wanted - set(emails))
        ids = {c["id"] for c in contacts} | {c["id"] for c in companies}
        for journal in journals.values():
            status = push_status(journal)
            done_ids = [t for _k, st, t, _c in journal_rows(journal) if st == "done"]
            missing = [t for t in done_ids if t not in ids]
            if missing or status["pending"] or status["failed"]:
                out["status_mismatches"] += 1
                print(f"  trial {number}: {journal.name}: {len(missing)} done rows not on the "
                      f"target, pending {status['pending']}, failed {status['failed']}: "
                      f"{failed_errors(journal)}")
        # roll one run back: what the other run wrote and what the other writer created stay.
        # Who created what is known outside the journals for the other writer (its answers)
        # and for the records held before; a record two journals both claim to have created,
        # or one the other writer created, is a status mismatch.
        victim = rng.choice(sorted(journals))
        claims = {name: {t for _k, st, t, c in journal_rows(journal) if st == "done" and c and t}
                  for name, journal in journals.items()}
        theirs = set(other.created_ids) | existing
        for name in journals:
            wrong = claims[name] & theirs
            if wrong:
                out["status_mismatches"] += len(wrong)
                print(f"  trial {number}: {name} claims {len(wrong)} records the other writer "
                      "created or the target held")
        if len(journals) == 2:
            double = claims["a"] & claims["b"]
            out["status_mismatches"] += len(double)
        keep = set(theirs)
        for name, journal in journals.items():
            if name != victim:  # the other run's records, but not those the victim created
                keep |= {t for _k, st, t, c in journal_rows(journal) if st == "done" and t}
        created_by_victim = claims[victim] - theirs
        keep -= created_by_victim
        proc = cli("rollback", str(journals[victim]), "--yes", env=env)
        proc.wait(timeout=RUN_TIMEOUT)
        after = {c["id"] for c in live(client, "contacts")} | {
            c["id"] for c in live(client, "companies")}
        out["wrongly_archived"] += len((keep & ids) - after)
        out["not_archived"] += len(created_by_victim & after)
    out["trials"] += 1
    return dict(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--rows", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--search-lag-ms", type=int, default=200,
                        help="how long the sandbox's search lags its writes (default 200)")
    parser.add_argument("--fail-rate", type=float, default=None,
                        help="the injected fault rate of every trial (default: 0.05-0.2 drawn)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    totals = Counter[str]()
    started = time.monotonic()
    for number in range(1, args.trials + 1):
        with tempfile.TemporaryDirectory(prefix="crm-drill-") as tmp:
            result = trial(number, Path(tmp), args.rows, rng,
                           search_lag_ms=args.search_lag_ms, fail_rate=args.fail_rate)
        totals.update(result)
        print(f"trial {number:2d} ({'overlapping runs' if number % 2 else 'one run'}): "
              + ", ".join(f"{k} {v}" for k, v in sorted(result.items()) if k != "trials"),
              flush=True)
    print(f"\ntrials {totals['trials']} in {time.monotonic() - started:.0f} s, kill -9 "
          f"{totals['kills']}")
    for key in ("duplicate_contacts", "duplicate_companies", "lost_rows", "wrongly_archived",
                "not_archived", "status_mismatches"):
        print(f"{key.replace('_', ' ')}: {totals[key]}")


if __name__ == "__main__":
    main()
