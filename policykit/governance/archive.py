"""The approved texts kept beside the ledger: settings/approvals/texts/<school>/<policy>/.

`policykit approve` writes two files per approved text, named by the first 16 hex digits of
its fingerprint:

- `<fingerprint>.json`, the approvable text itself (render.approvable_content): what diffs
  compare with, and whose hash is the record's `text_sha256`;
- `<fingerprint>.md`, the whole document as the latest approval of that text left it (its
  approval block, review date and document control), for an inspector to open; the record
  that wrote it holds its sha256 as `markdown_sha256`.

Either file edited by hand no longer matches the ledger, and validate says which, naming
the record. A file that is missing is not reported here: `policykit diff` says so when it
needs the text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from policykit.errors import Problem
from policykit.governance.ledger import ARCHIVE
from policykit.model import Approval

_FRONT_HASH = 'text-sha256: "'


@dataclass(frozen=True)
class ArchivedFile:
    """One file of the archive as read: its path from the trust root, and its bytes."""

    path: str
    data: bytes


def content_hash(content: Mapping[str, Any]) -> str:
    """The text fingerprint: sha256 of the approvable text's canonical JSON."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def archive_path(setting: str, policy: str, text_sha256: str, suffix: str) -> Path:
    """Where an approved text's file lives, relative to the trust root (suffix 'json' or 'md')."""
    return ARCHIVE / setting / policy / f"{text_sha256[:16]}.{suffix}"


def read_archive(root: Path) -> tuple[ArchivedFile, ...]:
    """Every .json and .md file of the archive (none if there is no archive yet)."""
    folder = root / ARCHIVE
    if not folder.is_dir():
        return ()
    out = []
    for path in sorted(folder.glob("*/*/*")):
        if path.suffix in (".json", ".md") and path.is_file():
            try:
                out.append(ArchivedFile(path.relative_to(root).as_posix(), path.read_bytes()))
            except OSError:
                continue  # unreadable: reported (as missing) by the diff that needs it
    return tuple(out)


def check_archive(files: Iterable[ArchivedFile], approvals: Iterable[Approval], problems: list[Problem],
                  named: Iterable[str] = ()) -> tuple[dict[str, Mapping[str, Any]], dict[str, str]]:
    """Report archived files that no longer match their ledger record; return the approved
    texts that do, by fingerprint (render's document control reads their clause titles), and
    the archived documents that do, by their path (the build makes the version in force from them)."""
    latest: dict[str, Approval] = {}  # path -> the latest record of that text: it wrote the .md
    for record in sorted(approvals, key=lambda r: r.seq):
        for suffix in ("json", "md"):
            latest[archive_path(record.setting, record.policy, record.text_sha256, suffix).as_posix()] = record
    texts: dict[str, Mapping[str, Any]] = {}
    documents: dict[str, str] = {}
    named = set(named)  # archive paths any ledger line names, whether or not validate accepted it
    for file in files:
        record = latest.get(file.path)
        if record is None and file.path in named:
            continue  # its record is in the ledger, with a problem of its own already reported
        if record is None:
            # approve writes the archive and the ledger together (and puts the archive back when
            # the ledger write fails): an approved text no record names had its record removed
            problems.append(Problem(file.path, 0, 0, "", "is an approved text that no ledger record names: a "
                                    "record was removed from the ledger (the last one, or all of them)",
                                    "restore settings/approvals/ledger.jsonl from git; never edit the ledger"))
            continue
        if file.path.endswith(".json"):
            content = _json(file.data)
            intact = content is not None and content_hash(content) == record.text_sha256
            if intact and content is not None:
                texts[record.text_sha256] = content
        else:
            intact = _markdown_intact(file.data, record)
            if intact:
                try:
                    documents[file.path] = file.data.decode("utf-8")
                except UnicodeDecodeError:
                    intact = False
        if not intact:
            problems.append(Problem(file.path, 0, 0, f"record {record.seq}",
                                    f"was edited after it was archived: it no longer matches what ledger record "
                                    f"{record.seq} recorded",
                                    "restore it from git; `policykit approve` writes the archived texts, never edit them"))
    return texts, documents


def _json(data: bytes) -> Mapping[str, Any] | None:
    try:
        content = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return content if isinstance(content, dict) else None


def _markdown_intact(data: bytes, record: Approval) -> bool:
    if record.markdown_sha256:
        return hashlib.sha256(data).hexdigest() == record.markdown_sha256
    # written before records held the document's hash: its fingerprint line is all we can check
    return f'{_FRONT_HASH}{record.text_sha256}"'.encode() in data
