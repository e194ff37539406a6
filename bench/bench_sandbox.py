"""Sustained batch-upsert throughput of the sandbox CRM over loopback (server in its own process).

Run: .venv/bin/python bench/bench_sandbox.py [--records 20000] [--clients 4] [--batch 100]
Target: >= 2,000 records/s, so the sandbox is never a push's bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

LINE = re.compile(r"listening on (http://\S+) \(token: (\S+)\)")


def start_server(db: Path) -> tuple[subprocess.Popen[str], str, str]:
    """`crm-migrate sandbox --port 0` in a subprocess; returns (process, url, token)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "crm_migrate", "sandbox", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    match = LINE.search(proc.stdout.readline())
    if not match:
        proc.kill()
        raise SystemExit(f"the sandbox did not start: {proc.stderr.read() if proc.stderr else ''}")
    return proc, match.group(1), match.group(2)


def batches(prefix: str, records: int, size: int) -> list[list[dict[str, object]]]:
    """Upsert inputs keyed by email, `size` per batch."""
    inputs = [
        {
            "id": f"{prefix}{i}@bench.example.com",
            "idProperty": "email",
            "properties": {
                "firstname": f"First{i}",
                "lastname": f"Last{i}",
                "phone": f"+1415555{i % 10000:04d}",
                "company": f"Company {i % 500}",
                "city": "Boston",
                "lifecyclestage": "lead",
            },
        }
        for i in range(records)
    ]
    return [inputs[i : i + size] for i in range(0, records, size)]


async def run(
    url: str, token: str, work: list[list[dict[str, object]]], clients: int
) -> tuple[float, int, int]:
    """Send every batch with `clients` concurrent clients; (seconds, records, created)."""
    queue: asyncio.Queue[list[dict[str, object]]] = asyncio.Queue()
    for batch in work:
        queue.put_nowait(batch)
    created = 0
    done = 0

    async def worker() -> None:
        nonlocal created, done
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
            while not queue.empty():
                batch = queue.get_nowait()
                response = await client.post(
                    "/crm/v3/objects/contacts/batch/upsert", json={"inputs": batch}
                )
                response.raise_for_status()
                results = response.json()["results"]
                done += len(results)
                created += sum(1 for r in results if r["new"])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - started, done, created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url, token = start_server(Path(tmp) / "bench.sqlite3")
        try:
            print(
                f"sandbox at {url}; {args.records} contacts, batches of {args.batch}, {args.clients} clients"
            )
            one = batches("warm", 2_000, args.batch)
            secs, n, _ = asyncio.run(run(url, token, one, 1))
            print(
                f"  1 client, create-upserts : {n:6d} records in {secs:6.2f} s = {n / secs:8.0f} records/s"
            )
            work = batches("c", args.records, args.batch)
            secs, n, created = asyncio.run(run(url, token, work, args.clients))
            print(
                f"  {args.clients} clients, create-upserts: {n:6d} records in {secs:6.2f} s = {n / secs:8.0f} records/s ({created} new)"
            )
            secs, n, created = asyncio.run(run(url, token, work, args.clients))
            print(
                f"  {args.clients} clients, update-upserts: {n:6d} records in {secs:6.2f} s = {n / secs:8.0f} records/s ({created} new)"
            )
            stats = httpx.get(f"{url}/_sandbox/stats").json()
            print(f"  server stats: {stats}")
            target = 2_000
            print(f"  target >= {target} records/s")
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
