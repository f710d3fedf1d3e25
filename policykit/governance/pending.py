"""An approval half-written: the note `approve` keeps while it writes the archive and the ledger.

An approval writes two places: the archived text (settings/approvals/texts/, written first, so
the ledger never names a text that is not there) and then one line of the ledger. A kill between
the two would leave an archived text no record names, which validate must report as a removed
record. So before touching the archive, approve writes this note (atomically): the record's seq,
its text, and what each archive file held before. Until the note is gone:

- if the ledger holds the record, the approval is complete (the kill came after the ledger
  line): readers ignore the note;
- if it does not, the approval never happened: readers see the archive as the note says it was
  (`as_it_was`), and the next `approve` puts those files back (`settle`) before it does anything.

Either way archive and ledger agree: both as they were, or both complete.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from policykit.governance.archive import ArchivedFile
from policykit.governance.ledger import ARCHIVE, LedgerLine
from policykit.system.atomic import write_files
from policykit.system.places import APPROVALS

PENDING = APPROVALS / "pending.json"


@dataclass(frozen=True)
class Pending:
    """An approval that had begun writing: the seq its record takes, its text, and each archive
    file (a path from the trust root) as it was before (None: it did not exist)."""

    seq: int
    text_sha256: str
    before: Mapping[str, bytes | None]

    def recorded(self, ledger: Iterable[LedgerLine]) -> bool:
        """Whether the ledger holds this approval's record (so the approval is complete)."""
        return any(isinstance(line.data, dict) and line.data.get("seq") == self.seq
                   and line.data.get("text_sha256") == self.text_sha256 for line in ledger)


def begin(root: Path, seq: int, text_sha256: str, before: Mapping[Path, bytes | None]) -> None:
    """Write the note, before the first archive file is touched."""
    note = {"seq": seq, "text_sha256": text_sha256,
            "before": {path.relative_to(root).as_posix(): None if data is None else base64.b64encode(data).decode()
                       for path, data in sorted(before.items())}}
    write_files({root / PENDING: (json.dumps(note, indent=2) + "\n").encode("utf-8")},
                hint="settings/approvals must be a folder policykit can write in")


def finish(root: Path) -> None:
    """The approval is complete, or was put back: the note goes."""
    (root / PENDING).unlink(missing_ok=True)


def read_pending(root: Path) -> Pending | None:
    """The note, if an approval was stopped while writing. A note that is not one approve wrote
    (unreadable, another shape, or naming a file outside the archive) is ignored: the archive
    is then judged as it stands, so a forged note can hide nothing."""
    path = root / PENDING
    try:
        if not path.is_file() or path.stat().st_size > 4 * 2**20:
            return None
        note = json.loads(path.read_bytes())
        before: dict[str, bytes | None] = {}
        for name, data in note["before"].items():
            parts = Path(name).parts
            if Path(name).is_absolute() or ".." in parts or Path(*parts[:3]) != ARCHIVE:
                return None
            before[name] = None if data is None else base64.b64decode(data, validate=True)
        seq, text = note["seq"], note["text_sha256"]
        if not isinstance(seq, int) or not isinstance(text, str):
            return None
        return Pending(seq, text, before)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def as_it_was(files: tuple[ArchivedFile, ...], pending: Pending) -> tuple[ArchivedFile, ...]:
    """The archive as it was before the unfinished approval began."""
    kept = [f for f in files if f.path not in pending.before]
    kept += [ArchivedFile(name, data) for name, data in pending.before.items() if data is not None]
    return tuple(sorted(kept, key=lambda f: f.path))


def settle(root: Path, ledger: tuple[LedgerLine, ...]) -> None:
    """Finish what a stopped approval left (call under the ledger's lock): put the archive back
    if its record was never written, then remove the note."""
    pending = read_pending(root)
    if pending is not None and not pending.recorded(ledger):
        restore(root, pending.before)
    finish(root)


def restore(root: Path, before: Mapping[str, bytes | None]) -> None:
    """Put archive files back as they were (None: remove the file)."""
    for name, data in before.items():
        path = root / name
        if data is None:
            path.unlink(missing_ok=True)
        else:
            write_files({path: data})
