"""Where a document stands against the ledger: which exact texts were approved, and when.

A text is approved when every stage the scheme of delegation asks for has recorded it (by
its hash). Anything else about the current text (a first stage only, a change since the
last approval, nothing at all) means the document is a draft. A change since an earlier
text was approved, at every stage or only some, is never a plain draft: the document says
which approval the change set aside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from policykit.dates import add_months
from policykit.model import Approval

DRAFT, AWAITING, APPROVED, CHANGED_SINCE_APPROVAL, DUE, OVERDUE = (
    "draft", "awaiting approval", "approved", "changed since approval", "review due soon", "overdue")
STATES = (DRAFT, AWAITING, APPROVED, CHANGED_SINCE_APPROVAL, DUE, OVERDUE)


@dataclass(frozen=True)
class Decision:
    """A text approved at every stage: the records, in stage order."""

    text_sha256: str
    records: tuple[Approval, ...]

    @property
    def date(self) -> date:
        return max(r.date for r in self.records)

    @property
    def last(self) -> Approval:
        return self.records[-1]


@dataclass(frozen=True)
class Standing:
    """One document's approval position for its current text."""

    stages: tuple[str, ...]
    current: Decision | None  # the current text's full approval, if any
    pending: tuple[Approval, ...]  # stages recorded for the current text since its last full approval
    decisions: tuple[Decision, ...]  # every full approval of any text, oldest first
    review_months: int
    records: tuple[Approval, ...] = ()  # every ledger record of this school x policy, in ledger order
    # The last approval of a text other than the current one, full or partial: that text's latest
    # full approval (its records in stage order) if it has one, else the stages it reached.
    # Of the earlier texts, the one approved most recently.
    earlier: tuple[Approval, ...] = ()

    @property
    def approved(self) -> bool:
        return self.current is not None

    @property
    def latest(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def last_record(self) -> Approval | None:
        """The record with the latest meeting date (of any text or stage): the ledger's 'now'."""
        return max(self.records, key=lambda r: (r.date, r.seq), default=None)

    @property
    def earlier_full(self) -> bool:
        """Whether `earlier` is an approval at every stage (else the first stages only)."""
        return bool(self.earlier) and len(self.earlier) == len(self.stages)

    @property
    def changed(self) -> bool:
        """The current text has no record at all, and an earlier text was approved (at any stage)."""
        return self.current is None and not self.pending and bool(self.earlier)

    def review_due(self, fallback: date) -> date:
        """Next review: from the latest approval, or from `fallback` for a text never approved."""
        basis = self.current or self.latest
        return add_months(basis.date if basis else fallback, self.review_months)

    def verdict(self, as_of: date, due_soon_days: int, fallback: date) -> Verdict:
        """The one rule for where this document stands on `as_of`: its state, and every flag that
        status, the site, the pack, acknowledgements and the documents derive from it.

        A text never approved at every stage has its first approval due `review_months` after
        `fallback` (its library release); past that date it is overdue like a late review.
        Being overdue outranks every other state; the other flags (`changed`, `awaits`)
        still say what else is true.
        """
        due = self.review_due(fallback)
        if as_of > due:
            state = OVERDUE
        elif self.current is not None:
            state = DUE if as_of >= due - timedelta(days=due_soon_days) else APPROVED
        elif self.pending:
            state = AWAITING
        elif self.earlier:
            state = CHANGED_SINCE_APPROVAL
        else:
            state = DRAFT
        approved_now = self.current.records if self.current else self.pending
        return Verdict(
            state=state, due=due, first_approval=self.latest is None, in_force=self.latest,
            changed=self.current is None and bool(self.earlier),
            current_records=approved_now,
            awaits=() if self.current is not None else self.stages[len(self.pending):],
        )


@dataclass(frozen=True)
class Verdict:
    """Where one document stands on one date (see Standing.verdict)."""

    state: str  # one of STATES
    due: date  # the next review; for a text never approved at every stage, its first approval's due date
    first_approval: bool  # no text of this policy was ever approved at every stage: the next is its first
    in_force: Decision | None  # the latest approval at every stage (the version staff follow), if any
    changed: bool  # the current text is not the one approved last (at every stage or at the first ones)
    current_records: tuple[Approval, ...]  # the stages that approved the current text, in order (this round)
    awaits: tuple[str, ...]  # the stages still to approve the current text, in order (none when approved)

    @property
    def overdue(self) -> bool:
        return self.state == OVERDUE

    @property
    def approved(self) -> bool:
        """The current text is approved at every stage."""
        return not self.awaits

    @property
    def last_approval(self) -> Approval | None:
        """The latest approval of the current text at any stage (its own round), if any."""
        return self.current_records[-1] if self.current_records else None


def standing(records: Iterable[Approval], text_sha256: str, stages: tuple[str, ...],
             review_months: int) -> Standing:
    """Work out a document's standing from its ledger records (oldest first)."""
    decisions: list[Decision] = []
    collected: dict[str, list[Approval]] = {}
    ordered = tuple(sorted(records, key=lambda r: r.seq))
    for record in ordered:
        got = collected.setdefault(record.text_sha256, [])
        if record.stage in (r.stage for r in got):
            continue
        got.append(record)
        if [r.stage for r in got] == list(stages):
            decisions.append(Decision(record.text_sha256, tuple(got)))
            collected[record.text_sha256] = []
    current = next((d for d in reversed(decisions) if d.text_sha256 == text_sha256), None)
    pending = tuple(collected.get(text_sha256, ()))
    return Standing(stages, current, pending, tuple(decisions), review_months, ordered,
                    _earlier(ordered, decisions, collected, text_sha256))


def _earlier(records: tuple[Approval, ...], decisions: list[Decision], open_rounds: dict[str, list[Approval]],
             text_sha256: str) -> tuple[Approval, ...]:
    """See Standing.earlier."""
    others = [r for r in records if r.text_sha256 != text_sha256]
    if not others:
        return ()
    text = max(others, key=lambda r: (r.date, r.seq)).text_sha256
    full = [d for d in decisions if d.text_sha256 == text]
    if full:  # a later first-stage re-approval of that text does not make it less approved
        return max(full, key=lambda d: (d.date, d.last.seq)).records
    return tuple(open_rounds.get(text, ()))


_COUNTS = ("one", "two", "three", "four", "five", "six")


def stages_reached(done: int, stages: int) -> str:
    """'first of two stages', 'first two of three stages'."""
    def word(n: int) -> str:
        return _COUNTS[n - 1] if n <= len(_COUNTS) else str(n)

    return f"first {'' if done == 1 else word(done) + ' '}of {word(stages)} stages"


def next_stage(standing_: Standing) -> str:
    """The body whose approval the current text needs next.

    For a text already approved this starts the next review round: a board re-approves an
    unchanged policy at its review, which renews the review date.
    """
    return standing_.stages[len(standing_.pending)]
