"""A release in brief: its headline figures, the groups of employers it reports on, and the
comparison with the cycle before.

Pure: reads published release documents (DESIGN §6) only. Guarantees: nothing here reads a
figure the release does not publish (the headline gaps come from its metrics, which use
published cells only; the groups are the cohorts it has tables for), and a comparison is made
only with cycles the caller passes as earlier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from protocol import taxonomy as taxonomy_module
from protocol.release import ReleaseDocument


@dataclass(frozen=True)
class CycleHeadline:
    """One published cycle's headline: who took part and the gender gaps of all employers.
    Gaps are fractions, (men − women) ÷ men; None where the release withholds them."""

    cycle: str
    participants: int
    mean_gap: float | None
    median_gap: float | None
    cents_per_dollar: float | None = None
    published_at: datetime | None = None


def cycle_headline(document: ReleaseDocument, *, cycle: str | None = None,
                   published_at: datetime | None = None) -> CycleHeadline:
    """``cycle``: the cycle's name where the caller holds it (the service: the cycle's slug),
    else the document's."""
    gender = document.headline()
    mean = gender.get("compensation_mean") or {}
    median = gender.get("compensation_median") or {}
    return CycleHeadline(
        cycle=cycle or document.cycle,
        participants=document.participants,
        mean_gap=mean.get("gap"),
        median_gap=median.get("gap"),
        cents_per_dollar=mean.get("cents_per_dollar"),
        published_at=published_at,
    )


@dataclass(frozen=True)
class YearOverYear:
    """This cycle against the one before it (``previous``), and every earlier one for a trend
    table (newest first)."""

    current: CycleHeadline
    previous: CycleHeadline
    earlier: tuple[CycleHeadline, ...]

    @staticmethod
    def _points(now: float | None, before: float | None) -> float | None:
        return None if now is None or before is None else 100 * (now - before)

    @property
    def mean_change_points(self) -> float | None:
        return self._points(self.current.mean_gap, self.previous.mean_gap)

    @property
    def median_change_points(self) -> float | None:
        return self._points(self.current.median_gap, self.previous.median_gap)

    @property
    def participants_change(self) -> int:
        return self.current.participants - self.previous.participants


def year_over_year(current: CycleHeadline, earlier: Sequence[CycleHeadline]) -> YearOverYear | None:
    """The comparison, or None when there is no earlier cycle. ``earlier`` is newest first, and
    holds only cycles published before ``current`` (the caller decides which: published ones)."""
    others = tuple(e for e in earlier if e.cycle != current.cycle)
    if not others:
        return None
    return YearOverYear(current=current, previous=others[0], earlier=others)


@dataclass(frozen=True)
class PublishedGroups:
    """The industries and size bands a release reports on separately, in the taxonomy's order.
    A merged group is named with what it covers."""

    industries: tuple[str, ...]
    size_bands: tuple[str, ...]


def published_groups(document: ReleaseDocument) -> PublishedGroups:
    tax = taxonomy_module.load(document.taxonomy)
    found: dict[str, list[tuple[int, str]]] = {"industry": [], "size": []}
    order = {"industry": list(tax.industries), "size": list(tax.size_bands)}
    for cohort in document.cohorts():
        if cohort.kind not in found:
            continue
        name = cohort.value if not cohort.covers else f"{cohort.value} ({', '.join(cohort.covers)})"
        known = order[cohort.kind]
        found[cohort.kind].append((known.index(cohort.value) if cohort.value in known else len(known), name))
    return PublishedGroups(industries=tuple(n for _, n in sorted(found["industry"])),
                           size_bands=tuple(n for _, n in sorted(found["size"])))
