"""What an import did: rows added, rows already there, rows skipped and why."""

from __future__ import annotations

from dataclasses import dataclass, field

# In the order they are reported
KINDS = ("users", "questions", "answers", "comments", "tags", "accepted answers", "duplicates")


@dataclass
class Tally:
    """Rows of one kind: added by this run, and found already imported (or already there)."""

    new: int = 0
    present: int = 0


@dataclass
class ImportReport:
    """Counts for one import run."""

    site: str
    counts: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    skipped: dict[str, int] = field(default_factory=dict)
    missing_files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def added(self, kind: str, number: int = 1) -> None:
        """Count rows this run created."""
        self.counts[kind].new += number

    def found(self, kind: str, number: int = 1) -> None:
        """Count rows an earlier run (or someone else) had already created."""
        self.counts[kind].present += number

    def skip(self, reason: str, number: int = 1) -> None:
        """Count rows left out, by reason."""
        self.skipped[reason] = self.skipped.get(reason, 0) + number

    @property
    def new_rows(self) -> int:
        """Everything this run added."""
        return sum(tally.new for tally in self.counts.values())

    def lines(self) -> list[str]:
        """The report as lines for a terminal."""
        lines = [f"Imported from {self.site} in {self.seconds:.1f} s:"]
        for kind, tally in self.counts.items():
            lines.append(f"  {kind:<17} {tally.new:>8,} new   {tally.present:>8,} already present")
        for name in self.missing_files:
            lines.append(f"  {name} not in the dump: nothing of it imported.")
        if self.skipped:
            lines.append("Skipped:")
            lines.extend(f"  {number:>8,}  {reason}" for reason, number in sorted(self.skipped.items()))
        if not self.new_rows:
            lines.append("Nothing new: everything in the dump was already imported.")
        return lines
