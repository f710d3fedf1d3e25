"""The approval ledger: settings/approvals/ledger.jsonl, one JSON record per line.

Append-only and tamper-evident: each record carries `hash` (sha256 of its own canonical
JSON without that field) and `prev` (the previous record's hash), and `seq` counts from 1.
A record changed, removed or moved by hand breaks the chain at exactly that record.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator, Mapping

from policykit.errors import OutputError, PolicykitError, Problem
from policykit.model import Approval
from policykit.system.locks import acquire
from policykit.system.places import APPROVALS

LEDGER = APPROVALS / "ledger.jsonl"
ARCHIVE = APPROVALS / "texts"
GENESIS = "0" * 64


@dataclass(frozen=True)
class LedgerLine:
    """One line as read: its number, its parsed record (or None if unreadable)."""

    line: int
    data: Any
    error: str = ""


def canonical(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(record: Mapping[str, Any]) -> str:
    """sha256 of a record's canonical JSON, leaving out its own `hash`."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def read_ledger(path: Path, lock: bool = True) -> tuple[LedgerLine, ...]:
    """Every line of the ledger (none if there is no ledger yet).

    With `lock`, waits for an approval being appended right now to finish, so a reader never
    sees half a record. (`append` callers already hold the lock and pass lock=False.)
    """
    if not path.exists():
        return ()
    if lock and path.parent.is_dir() and os.access(path.parent, os.W_OK):
        with locked(path, shared=True):
            return read_ledger(path, lock=False)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise PolicykitError(Problem(LEDGER.as_posix(), message="is not a regular file (a folder, a device or "
                                         "a pipe)", hint="restore settings/approvals/ledger.jsonl from git"))
        raw = path.read_bytes()
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise PolicykitError(Problem(LEDGER.as_posix(), message=f"cannot read the ledger: {exc.strerror}")) from None
    lines = []
    for number, text in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
        if not text.strip():
            continue
        try:
            lines.append(LedgerLine(number, json.loads(text)))
        except ValueError as exc:
            lines.append(LedgerLine(number, None, f"not a JSON record ({exc.args[0]})"))
    return tuple(lines)


def chain_problems(lines: tuple[LedgerLine, ...], shown: str) -> list[Problem]:
    """Which records break the chain: edited, removed, reordered or unreadable."""
    problems = []
    prev = GENESIS
    for index, entry in enumerate(lines, 1):
        if entry.data is None or not isinstance(entry.data, dict):
            problems.append(Problem(shown, entry.line, 0, "", f"record {index}: {entry.error or 'not a record'}",
                                    "the ledger is written by `policykit approve`; restore it from git"))
            prev = ""
            continue
        data = entry.data
        key = f"record {data.get('seq', index)}"
        if data.get("hash") != record_hash(data):
            problems.append(Problem(shown, entry.line, 0, key, "was edited after it was recorded (its hash does not "
                                    "match its content)", "restore the ledger from git; never edit it by hand"))
        if data.get("seq") != index:
            problems.append(Problem(shown, entry.line, 0, key, f"is out of place: expected record {index} here "
                                    "(a record was removed or the records were reordered)"))
        elif prev and data.get("prev") != prev:
            problems.append(Problem(shown, entry.line, 0, key, "does not follow the record before it (a record "
                                    "before it was removed, changed or reordered)"))
        prev = str(data.get("hash", ""))
    return problems


def to_approval(data: Mapping[str, Any]) -> Approval:
    return Approval(
        seq=data["seq"], setting=data["setting"], policy=data["policy"], stage=data["stage"], body=data["body"],
        date=date.fromisoformat(data["date"]), minute=data["minute"], recorded_by=data["recorded_by"],
        recorded_on=date.fromisoformat(data["recorded_on"]), text_sha256=data["text_sha256"],
        policy_version=data["policy_version"], library_release=data["library_release"],
        clauses=dict(data["clauses"]), markdown_sha256=str(data.get("markdown_sha256", "")),
        clause_sha256=dict(data.get("clause_sha256") or {}),
    )


@contextmanager
def locked(path: Path, shared: bool = False) -> Iterator[None]:
    """A lock beside `path`: one approval appends at a time, and a reader waits for it to finish.

    (`shared` is kept for the callers' sake: the lock is exclusive either way, as Windows has no
    shared lock that `filelock` offers on every platform; a read holds it only while it reads.)
    """
    lock = path.with_suffix(path.suffix + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        held = acquire(lock)
    except OSError as exc:  # settings/approvals is a file, the lock a folder, or the folder read-only
        where = lock if path.parent.is_dir() else path.parent
        raise OutputError(Problem(str(where), message=f"cannot use the ledger's lock: {exc.strerror}",
                                  hint="settings/approvals must be a folder policykit can write in, holding "
                                  "ledger.jsonl and its lock file; restore it from git")) from None
    try:
        yield
    finally:
        held.release()


def append(path: Path, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Append one record (seq, prev and hash filled in); call inside `locked(path)`."""
    lines = read_ledger(path, lock=False)
    last = lines[-1].data if lines and isinstance(lines[-1].data, dict) else None
    record = dict(fields)
    record["seq"] = len(lines) + 1
    record["prev"] = str(last.get("hash", GENESIS)) if last else GENESIS
    record["hash"] = record_hash(record)
    data = (canonical(record) + "\n").encode("utf-8")
    try:
        needs_newline = path.exists() and path.stat().st_size > 0 and not path.read_bytes().endswith(b"\n")
        with open(path, "ab") as handle:
            handle.write((b"\n" if needs_newline else b"") + data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise OutputError(Problem(str(path), message=f"cannot write the ledger: {exc.strerror}")) from None
    return record
