"""Salesforce Bulk API 2.0 ingest for large batches: one CSV job per call, results mapped back.

Flow ("Bulk API 2.0 Ingest"): create the job, PUT the CSV, mark it UploadComplete,
poll until JobComplete/Failed/Aborted, then read successfulResults (sf__Id,
sf__Created + input columns), failedResults (sf__Id, sf__Error + input columns) and
unprocessedrecords. Result rows come back in no particular order, so each is
matched to its input by the full row of input values (identical rows in order).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

from crm_migrate.connectors.base import TransientError, WriteResult
from crm_migrate.connectors.salesforce_schema import bulk_error_text
from crm_migrate.errors import TargetError

BULK_NULL = "#N/A"  # Bulk API's way to clear a field
TERMINAL = ("JobComplete", "Failed", "Aborted")

Caller = Callable[..., Awaitable[Any]]


def to_csv(rows: list[dict[str, Any]]) -> tuple[list[str], str]:
    """(columns, CSV text with LF line endings) for Salesforce field dicts; None clears."""
    columns: list[str] = []
    for row in rows:
        for name in row:
            if name not in columns:
                columns.append(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) if c in row else "" for c in columns])
    return columns, buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return BULK_NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _signature(row: dict[str, str], columns: list[str]) -> tuple[str, ...]:
    return tuple(row.get(c, "") for c in columns)


async def run_ingest(
    call: Caller,
    *,
    sobject: str,
    operation: str,
    rows: list[dict[str, Any]],
    external_id: str | None = None,
    poll_seconds: float = 2.0,
    max_poll_seconds: float = 30.0,
    timeout_seconds: float = 3600.0,
) -> list[WriteResult]:
    """Run one ingest job over `rows` (Salesforce field dicts); one result per row, in order.

    `call(method, path, *, what, write=False, raw=False, **kwargs)` is the
    connector's request function (raw=True returns the response text).
    """
    columns, text = to_csv(rows)
    job_body: dict[str, Any] = {
        "object": sobject,
        "operation": operation,
        "contentType": "CSV",
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    }
    if external_id:
        job_body["externalIdFieldName"] = external_id
    job = await call("POST", "/jobs/ingest", what="create bulk job", write=True, json=job_body)
    job_id = str((job or {}).get("id") or "")
    if not job_id:
        raise TargetError("salesforce: the Bulk API did not return a job id")
    await call(
        "PUT",
        f"/jobs/ingest/{job_id}/batches",
        what="upload bulk data",
        write=True,
        content=text.encode("utf-8"),
        headers={"Content-Type": "text/csv"},
    )
    await call(
        "PATCH",
        f"/jobs/ingest/{job_id}",
        what="close bulk job",
        write=True,
        json={"state": "UploadComplete"},
    )
    waited, delay = 0.0, poll_seconds
    while True:
        status = await call("GET", f"/jobs/ingest/{job_id}", what="poll bulk job")
        state = str((status or {}).get("state"))
        if state in TERMINAL:
            break
        if waited >= timeout_seconds:
            raise TransientError(
                f"salesforce: bulk job {job_id} still {state} after {waited:.0f} s",
                maybe_committed=True,
            )
        await asyncio.sleep(delay)
        waited += delay
        delay = min(max_poll_seconds, delay * 1.5)
    if state == "Failed" and not (status or {}).get("numberRecordsProcessed"):
        message = (status or {}).get("errorMessage") or "job failed"
        raise TargetError(f"salesforce: bulk job {job_id} failed: {message}")
    # map results back to input positions by their input values
    pending: dict[tuple[str, ...], list[int]] = {}
    for index, row in enumerate(rows):
        as_text = {k: _cell(v) for k, v in row.items()}
        pending.setdefault(_signature(as_text, columns), []).append(index)
    results: dict[int, WriteResult] = {}
    idempotent = operation == "upsert"  # resending an unreported insert could duplicate it

    def claim(record: dict[str, str]) -> int | None:
        queue = pending.get(_signature(record, columns))
        return queue.pop(0) if queue else None

    for kind in ("successfulResults", "failedResults", "unprocessedrecords"):
        body = await call("GET", f"/jobs/ingest/{job_id}/{kind}/", what=f"bulk {kind}", raw=True)
        for record in csv.DictReader(io.StringIO(body or "")):
            position = claim(record)
            if position is None:
                continue
            if kind == "successfulResults":
                created = str(record.get("sf__Created", "")).lower() == "true"
                results[position] = WriteResult(
                    position, ok=True, id=record.get("sf__Id") or None, created=created
                )
            elif kind == "failedResults":
                results[position] = WriteResult(
                    position, ok=False, error=bulk_error_text(str(record.get("sf__Error") or "failed"))
                )
            else:
                results[position] = WriteResult(
                    position,
                    ok=False,
                    error=f"UNPROCESSED: bulk job {job_id} ended {state}",
                    retryable=idempotent,
                )
    for index in range(len(rows)):
        results.setdefault(
            index,
            WriteResult(
                index,
                ok=False,
                error=f"NO_RESULT: bulk job {job_id} did not report this row",
                retryable=idempotent,
            ),
        )
    return [results[i] for i in range(len(rows))]


async def run_payloads(
    call: Caller,
    sobject: str,
    operation: str,
    payloads: list[tuple[int, dict[str, Any]]],
    external_id: str | None,
    poll_seconds: float,
) -> list[WriteResult]:
    """run_ingest over sObject Collections payloads (index, record); results keep the indexes."""
    rows = [{k: v for k, v in record.items() if k != "attributes"} for _, record in payloads]
    answers = await run_ingest(
        call,
        sobject=sobject,
        operation=operation,
        rows=rows,
        external_id=external_id,
        poll_seconds=poll_seconds,
    )
    return [
        WriteResult(index, a.ok, a.id, a.created, a.error, a.retryable)
        for (index, _), a in zip(payloads, answers, strict=True)
    ]
