"""The utility block of a release: how much of what could be published was published.

Guarantees of ``utility_measure``:
- the denominator is every cohort that was unmasked and every table of the design: a cohort
  the plan does not publish counts with 0 cells published, never as absent;
- per cohort and overall: non-empty cells, cells that pass the primary rules ("safe"), how
  many of each are published; for all employers, the headline cells (``headline_mask``) that
  pass the rules and how many are published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aggregation.disclosure.cohorts import CohortTotals
from aggregation.disclosure.primary import CellStatus, cell_reasons
from aggregation.disclosure.tables import headline_mask
from protocol.release import cohort_key


@dataclass(frozen=True)
class CohortUtility:
    cohort: str
    published: bool
    nonempty: int
    safe: int
    nonempty_published: int
    safe_published: int

    def as_dict(self) -> dict:
        return {
            "cohort": self.cohort, "published": self.published, "nonempty": self.nonempty,
            "safe": self.safe, "nonempty_published": self.nonempty_published,
            "safe_published": self.safe_published,
        }


@dataclass(frozen=True)
class Utility:
    cohorts: tuple[CohortUtility, ...]
    headline_safe: int
    headline_published: int

    @property
    def safe(self) -> int:
        return sum(c.safe for c in self.cohorts)

    @property
    def safe_published(self) -> int:
        return sum(c.safe_published for c in self.cohorts)

    @property
    def safe_share(self) -> float:
        return self.safe_published / self.safe if self.safe else 1.0

    @property
    def nonempty_share(self) -> float:
        nonempty = sum(c.nonempty for c in self.cohorts)
        return sum(c.nonempty_published for c in self.cohorts) / nonempty if nonempty else 1.0

    @property
    def headline_share(self) -> float:
        return self.headline_published / self.headline_safe if self.headline_safe else 1.0

    def as_dict(self) -> dict:
        return {
            "safe_cells": self.safe,
            "safe_cells_published": self.safe_published,
            "safe_share": round(self.safe_share, 4),
            "nonempty_cells": sum(c.nonempty for c in self.cohorts),
            "nonempty_cells_published": sum(c.nonempty_published for c in self.cohorts),
            "nonempty_share": round(self.nonempty_share, 4),
            "headline_safe": self.headline_safe,
            "headline_published": self.headline_published,
            "cohorts": [c.as_dict() for c in self.cohorts],
        }


def utility_measure(unmasked: Sequence[CohortTotals], draft) -> Utility:
    """The utility of ``draft`` (a ``ReleaseDraft``) against the ``unmasked`` cohorts."""
    rows = []
    headline_safe = headline_published = 0
    built = {c.key: k for k, c in enumerate(draft.cohorts) if c.published}
    for cohort in unmasked:
        nonempty = cohort.headcount > 0
        safe = nonempty.copy()
        for i in np.flatnonzero(nonempty):
            safe[i] = not cell_reasons(cohort, int(i), draft.policy)
        k = built.get(cohort.key)
        shown = (np.zeros_like(nonempty) if k is None
                 else draft.status[k] == CellStatus.PUBLISHED)
        rows.append(CohortUtility(
            cohort=cohort_key(cohort.kind, cohort.value), published=k is not None,
            nonempty=int(nonempty.sum()), safe=int(safe.sum()),
            nonempty_published=int((nonempty & shown).sum()),
            safe_published=int((safe & shown).sum()),
        ))
        if cohort.kind == "all":
            head = headline_mask(cohort.structure) & safe
            headline_safe = int(head.sum())
            headline_published = int((head & shown).sum())
    return Utility(cohorts=tuple(rows), headline_safe=headline_safe,
                   headline_published=headline_published)
