"""The rules an approval must keep: the scheme's stages in order, dated in meeting order.

`approve` asks `refuse_out_of_turn` twice: once against the ledger as validate read it, and
again, under the ledger's lock, against the ledger as it is at that moment (another clerk may
have recorded a decision in between), so a race gives the answer the two commands would give
one after the other.
"""

from __future__ import annotations

import getpass
import os
import subprocess
from datetime import date

from policykit.errors import PolicykitError, Problem, UsageError
from policykit.governance.standing import Standing, next_stage


def recorder() -> str:
    """Who is recording: $POLICYKIT_USER, else git's user.name, else the login name."""
    if os.environ.get("POLICYKIT_USER"):
        return os.environ["POLICYKIT_USER"]
    try:
        name = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    return name or getpass.getuser()


def refuse_out_of_turn(now: Standing, body: str, on: date, setting: str, policy: str) -> None:
    """Raise unless `body` may approve this text on `on`, given the approvals recorded so far."""
    stages = now.stages
    if body not in stages:
        raise PolicykitError(Problem("--body", message=f"the scheme of delegation does not let '{body}' approve "
                                     f"{policy} at {setting}", hint=f"it is approved by: {', '.join(stages)}"))
    wanted = next_stage(now)
    current = now.current
    if current is not None and not now.pending and on <= current.date:
        raise UsageError(Problem("--date", message=f"this exact text was already approved on {current.date.isoformat()}",
                                 hint="a review that re-approves it must be dated after that"))
    done = next((r for r in now.pending if r.stage == body), None)
    if done is not None:  # the same body twice in one round: say so, not that the next body must go first
        raise PolicykitError(Problem("--body", message=f"'{body}' already approved this text on "
                                     f"{done.date.isoformat()} (ledger record {done.seq}); the next stage is '{wanted}'",
                                     hint=f"the stages are, in order: {', '.join(stages)}"))
    if body != wanted:
        raise PolicykitError(Problem("--body", message=f"'{wanted}' must approve this text before '{body}'",
                                     hint=f"the stages are, in order: {', '.join(stages)}"))
    if now.pending and on < now.pending[-1].date:
        raise UsageError(Problem("--date", message="a later stage cannot be dated before the earlier one "
                                 f"({now.pending[-1].date.isoformat()})"))
    last = now.last_record
    # The ledger is history: a decision dated before one already recorded would rewrite what
    # stood in between. A later stage of this text, dated on or after its earlier stage, is
    # the one exception (checked just above): the two stages are one decision.
    if last is not None and on < last.date and not now.pending:
        raise UsageError(Problem("--date", message=f"{on.isoformat()} is before the latest approval recorded for "
                                 f"{policy} at {setting}: the {last.body} on {last.date.isoformat()} "
                                 f"(ledger record {last.seq})", hint="record approvals in the order of their meetings"))
