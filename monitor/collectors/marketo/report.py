"""What one Marketo collection (a cycle, or one stream's backfill) did."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.store.runs import CollectionReport

JOB = "marketo"


@dataclass
class MarketoReport(CollectionReport):
    """A Marketo cycle or backfill; also its collection_runs row."""

    kind: str = "cycle"  # cycle | backfill
    activities_read: int = 0
    pages: int = 0
    parts: list[str] = field(default_factory=list)  # housekeeping done: "API usage", ...
    # The subscription has none of the SFDC activity types (the Salesforce sync is not set up):
    # the collection cannot do what it is for, whatever housekeeping it also did. One condition,
    # one outcome: failed (exit 1) on every cycle, not only on those that stored nothing.
    has_no_sfdc_types: bool = False

    @property
    def status(self) -> str:
        return "failed" if self.has_no_sfdc_types else super().status

    @property
    def has_collected(self) -> bool:
        # Activities or statistics stored count as collected; looking up the types does not.
        return bool(self.pages or self.rows_written)

    def summary(self) -> str:
        """One line (plus one per problem), like the Salesforce collector's."""
        text = (
            f"marketo '{self.instance}'{' backfill' if self.kind == 'backfill' else ''}: "
            f"{self.activities_read} activities in {self.pages} pages, {self.rows_written} "
            f"rows new, {self.api_calls} API calls"
            + (f" ({', '.join(self.parts)})" if self.parts else "")
        )
        return text + self.problems()
