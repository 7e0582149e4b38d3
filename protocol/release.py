"""The release document (DESIGN §6, a contract) as typed values, with its one reader and writer.

A release is what the service publishes and what everybody else reads: the office's review,
the public report, the employer's benchmark, the metrics, and the audit of a later correction.
Each of them reads it through :func:`release_from_json` and the service writes it through
:func:`release_to_json`; nothing else takes the JSON apart.

Guarantees:
- ``release_to_json(release_from_json(doc)) == doc`` for every document the service writes:
  the same fields in the same order, ints stay ints, floats stay floats, ``null`` stays
  ``null`` and an absent median stays absent (a structural zero has null means and no median).
- A suppressed cell is read and written with its labels and ``"status": "suppressed"`` only:
  it has no figure to read, so no reader can take one for a zero.
- The cohort key (``all``, ``industry:<value>``, ``size:<value>``) and the cohort's label
  (``All employers``, ``Industry: <value>``, ``Size band: <value>``) have one definition each,
  :attr:`CohortKey.key` and :attr:`CohortKey.label`.
- ``policy``, ``metrics``, ``audit``, ``plan`` and ``utility`` are kept as the JSON objects
  they are (each has its own writer: the disclosure policy, the metrics, the audit
  certificate, the publication plan, the utility block); more fields may be added to any of
  them (DESIGN §6) and they pass through unchanged; ``plan`` and ``utility`` are written only
  when present.
- ``excluded`` (the submissions left out because they could not be opened) is written only
  when the document has it, right after ``participants``.
- A merged cohort (e.g. the size bands "1-49" to "200-499" as "1-499") names the taxonomy
  values it covers in ``covers``; a figure withheld from a published cell (the
  performance-pay mean where one employer dominates the bonuses) is ``null`` and named in the
  cell's ``withheld`` list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FORMAT = "talent-compact-release/1"
COHORT_KINDS = ("all", "industry", "size")
CELL_STATUSES = ("published", "suppressed")
# The figures of a published cell, in the order the document writes them.
MEANS = ("compensation_mean", "performance_pay_mean", "tenure_mean_months")
FIGURES = ("headcount", "compensation_mean", "compensation_median", "performance_pay_mean",
           "tenure_mean_months")


class ReleaseFormatError(ValueError):
    """A document that is not a readable release, with a message saying what is wrong."""


@dataclass(frozen=True, order=True)
class CohortKey:
    """A cohort of a release: every employer, one industry or one size band."""

    kind: str
    value: str | None = None
    covers: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self):
        if self.kind not in COHORT_KINDS:
            raise ReleaseFormatError(f"A cohort's kind is one of {', '.join(COHORT_KINDS)}; got {self.kind!r}.")
        if self.kind == "all":
            object.__setattr__(self, "value", None)
        elif not self.value:
            raise ReleaseFormatError(f"A cohort of kind {self.kind!r} needs a value.")

    @property
    def key(self) -> str:
        """``all``, ``industry:<value>`` or ``size:<value>``: the one spelling of a cohort."""
        return "all" if self.kind == "all" else f"{self.kind}:{self.value}"

    @property
    def label(self) -> str:
        """What a reader of a report sees."""
        if self.kind == "all":
            return "All employers"
        return f"{'Industry' if self.kind == 'industry' else 'Size band'}: {self.value}"

    @classmethod
    def parse(cls, key: str) -> CohortKey:
        """The cohort of a key written by :attr:`key`."""
        if key == "all":
            return ALL
        kind, _, value = key.partition(":")
        return cls(kind, value)

    def as_json(self) -> dict:
        out = {"kind": "all"} if self.kind == "all" else {"kind": self.kind, "value": self.value}
        if self.covers:
            out["covers"] = list(self.covers)
        return out


ALL = CohortKey("all")


def cohort_key(kind: str, value: str | None = None) -> str:
    """The key of the cohort ``kind`` (and ``value``): see :attr:`CohortKey.key`."""
    return CohortKey(kind, value or None).key


@dataclass(frozen=True)
class ReleaseCell:
    """One cell of a table: its labels (dimension -> category label, in the table's order),
    its status, and for a published cell its figures (None where the document has none)."""

    labels: Mapping[str, str]
    status: str
    headcount: int | None = None
    compensation_mean: float | None = None
    compensation_median: float | None = None
    performance_pay_mean: float | None = None
    tenure_mean_months: float | None = None
    withheld: tuple[str, ...] = ()

    @property
    def published(self) -> bool:
        return self.status == "published"

    def fields(self) -> dict:
        """The cell as one flat mapping: labels, status and, for a published cell, every figure
        (None where it has none)."""
        out = {**self.labels, "status": self.status}
        if self.published:
            out.update({name: getattr(self, name) for name in FIGURES})
        return out

    def figure(self, name: str) -> float | None:
        """A figure of a published cell; None for a suppressed cell or a figure it lacks."""
        if not self.published:
            return None
        value = getattr(self, name)
        return None if value is None else float(value)


@dataclass(frozen=True)
class ReleaseTable:
    """One table: a cohort, the dimensions it is broken down by (the rest summed over), cells."""

    cohort: CohortKey
    dimensions: tuple[str, ...]
    cells: tuple[ReleaseCell, ...]

    def cells_by_labels(self, dims: Sequence[str] | None = None) -> dict[tuple[str, ...], ReleaseCell]:
        """The cells keyed by their labels in ``dims`` order (the table's own by default)."""
        dims = self.dimensions if dims is None else tuple(dims)
        return {tuple(c.labels[d] for d in dims): c for c in self.cells}


@dataclass(frozen=True)
class ReleaseDocument:
    """A whole release: every table of every cohort, published together."""

    cycle: str
    taxonomy: str
    participants: int
    policy: Mapping[str, Any]
    tables: tuple[ReleaseTable, ...]
    metrics: Mapping[str, Any] = field(default_factory=dict)
    audit: Mapping[str, Any] = field(default_factory=dict)
    plan: Mapping[str, Any] = field(default_factory=dict)
    utility: Mapping[str, Any] = field(default_factory=dict)
    # Submissions of the frozen set left out because the office could not open them (DESIGN
    # §2.7); ``participants`` counts only the others. None in a document written without it.
    excluded: int | None = None

    def cohorts(self) -> list[CohortKey]:
        """The cohorts the release has tables for, in the order of the document."""
        return list(dict.fromkeys(t.cohort for t in self.tables))

    def table(self, *, cohort: CohortKey | str, dims: Iterable[str]) -> ReleaseTable | None:
        """The table of ``cohort`` (a key or its ``key`` string) over exactly ``dims`` (in that
        order); None if not released."""
        cohort = CohortKey.parse(cohort) if isinstance(cohort, str) else cohort
        dims = tuple(dims)
        for t in self.tables:
            if t.cohort == cohort and t.dimensions == dims:
                return t
        return None

    def cells(self, *, cohort: CohortKey | str, dims: Iterable[str]) -> dict[tuple[str, ...], ReleaseCell] | None:
        """The cells of one table keyed by their labels in ``dims`` order; None if not released."""
        found = self.table(cohort=cohort, dims=dims)
        return None if found is None else found.cells_by_labels()

    @property
    def format(self) -> str:
        return FORMAT

    @property
    def rounding(self) -> Mapping[str, Any]:
        return self.policy.get("rounding", {})

    def headline(self, cohort: CohortKey = ALL) -> Mapping[str, Any]:
        """The gender gaps of ``cohort`` from the metrics (empty when there are none)."""
        return self.metrics.get("cohorts", {}).get(cohort.key, {}).get("gender", {})


# --- the reader ---------------------------------------------------------------------------


def _require(doc: Mapping, name: str, kind: type | tuple[type, ...], where: str = "The release") -> Any:
    if name not in doc:
        raise ReleaseFormatError(f"{where} has no {name!r}.")
    value = doc[name]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ReleaseFormatError(f"{where}'s {name!r} is not what a release holds there.")
    return value


def _cell_from_json(item: Mapping, dims: tuple[str, ...], where: str) -> ReleaseCell:
    if not isinstance(item, Mapping):
        raise ReleaseFormatError(f"{where} has a cell that is not an object.")
    labels = {d: str(_require(item, d, str, where)) for d in dims}
    status = _require(item, "status", str, where)
    if status not in CELL_STATUSES:
        raise ReleaseFormatError(f"{where} has a cell of status {status!r}.")
    if status == "suppressed":
        return ReleaseCell(labels=labels, status=status)
    withheld = item.get("withheld", [])
    if not isinstance(withheld, list) or not set(withheld) <= set(FIGURES):
        raise ReleaseFormatError(f"{where} has a cell whose 'withheld' list is not figure names.")
    return ReleaseCell(labels=labels, status=status, withheld=tuple(withheld),
                       **{name: item.get(name) for name in FIGURES})


def _table_from_json(item: Mapping, number: int) -> ReleaseTable:
    where = f"Table {number} of the release"
    if not isinstance(item, Mapping):
        raise ReleaseFormatError(f"{where} is not an object.")
    cohort = _require(item, "cohort", Mapping, where)
    dims = tuple(_require(item, "dimensions", list, where))
    return ReleaseTable(
        cohort=CohortKey(str(_require(cohort, "kind", str, where)), cohort.get("value"),
                         tuple(str(v) for v in cohort.get("covers") or ())),
        dimensions=dims,
        cells=tuple(_cell_from_json(c, dims, where) for c in _require(item, "cells", list, where)),
    )


def release_from_json(doc: Any) -> ReleaseDocument:
    """The release of a parsed JSON document; ReleaseFormatError saying why otherwise."""
    if not isinstance(doc, Mapping) or doc.get("format") != FORMAT:
        raise ReleaseFormatError(f"This is not a Talent Compact release ({FORMAT}).")
    return ReleaseDocument(
        cycle=str(_require(doc, "cycle", str)),
        taxonomy=str(_require(doc, "taxonomy", str)),
        participants=int(_require(doc, "participants", int)),
        policy=dict(_require(doc, "policy", Mapping)),
        tables=tuple(_table_from_json(t, n) for n, t in enumerate(_require(doc, "tables", list), start=1)),
        metrics=dict(doc.get("metrics") or {}),
        audit=dict(doc.get("audit") or {}),
        plan=dict(doc.get("plan") or {}),
        utility=dict(doc.get("utility") or {}),
        excluded=_optional_count(doc, "excluded"),
    )


def _optional_count(doc: Mapping, name: str) -> int | None:
    if name not in doc:
        return None
    value = doc[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReleaseFormatError(f"The release's {name!r} is not a count.")
    return value


# --- the writer ---------------------------------------------------------------------------


def _cell_to_json(cell: ReleaseCell, dims: tuple[str, ...]) -> dict:
    out: dict = {d: cell.labels[d] for d in dims}
    out["status"] = cell.status
    if not cell.published:
        return out
    out["headcount"] = cell.headcount
    out["compensation_mean"] = cell.compensation_mean
    if cell.compensation_median is not None:
        out["compensation_median"] = cell.compensation_median
    out["performance_pay_mean"] = cell.performance_pay_mean
    out["tenure_mean_months"] = cell.tenure_mean_months
    if cell.withheld:
        out["withheld"] = list(cell.withheld)
    return out


def release_to_json(release: ReleaseDocument) -> dict:
    """The JSON document of DESIGN §6 (a JSON-serialisable dict)."""
    return {
        "format": FORMAT,
        "cycle": release.cycle,
        "taxonomy": release.taxonomy,
        "participants": release.participants,
        **({"excluded": release.excluded} if release.excluded is not None else {}),
        "policy": dict(release.policy),
        "tables": [
            {
                "cohort": t.cohort.as_json(),
                "dimensions": list(t.dimensions),
                "cells": [_cell_to_json(c, t.dimensions) for c in t.cells],
            }
            for t in release.tables
        ],
        "metrics": dict(release.metrics),
        "audit": dict(release.audit),
        **({"plan": dict(release.plan)} if release.plan else {}),
        **({"utility": dict(release.utility)} if release.utility else {}),
    }
