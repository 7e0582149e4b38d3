"""The versioned taxonomies: category lists, pay bands, histogram edges and input bounds.

A taxonomy is a declarative JSON file beside this module (``compact-2026.json``). The Python
client, the service and the browser page all read the same files, so nothing here may encode
a rule that the JSON does not state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TAXONOMY_DIR = Path(__file__).resolve().parent
DEFAULT_TAXONOMY = "compact-2026"

DIMENSIONS = ("job_category", "race_ethnicity", "gender")


class UnknownTaxonomy(ValueError):
    """Raised for a taxonomy name that has no file."""


@dataclass(frozen=True)
class Category:
    """One value of a dimension: a short stable ``code`` and the published ``label``."""

    code: str
    label: str


@dataclass(frozen=True)
class Taxonomy:
    """A loaded taxonomy. Category order is significant: it fixes the vector layout."""

    name: str
    job_category: tuple[Category, ...]
    race_ethnicity: tuple[Category, ...]
    gender: tuple[Category, ...]
    industries: tuple[str, ...]
    size_bands: tuple[str, ...]
    pay_band_lower_dollars: tuple[int, ...]
    pay_band_labels: tuple[str, ...]
    compensation_bins_dollars: tuple[int, ...]
    performance_pay_bins_dollars: tuple[int, ...]
    regression_reference: dict
    fixed_point_bits: int
    bounds: dict
    raw: dict

    def categories(self, dimension: str) -> tuple[Category, ...]:
        return getattr(self, dimension)

    def labels(self, dimension: str) -> list[str]:
        return [c.label for c in self.categories(dimension)]

    def codes(self, dimension: str) -> list[str]:
        return [c.code for c in self.categories(dimension)]

    def index_of(self, dimension: str, code: str) -> int:
        return self.codes(dimension).index(code)


def available() -> list[str]:
    return sorted(p.stem for p in TAXONOMY_DIR.glob("*.json") if not p.stem.startswith("_"))


def taxonomy_path(name: str) -> Path:
    path = TAXONOMY_DIR / f"{name}.json"
    if name not in available():
        raise UnknownTaxonomy(
            f"Unknown taxonomy {name!r}; this client knows {', '.join(available())}."
        )
    return path


def load(name: str = DEFAULT_TAXONOMY) -> Taxonomy:
    """The taxonomy called ``name`` (one shared object per name)."""
    return _load(name)


@cache
def _load(name: str) -> Taxonomy:
    raw = json.loads(taxonomy_path(name).read_text(encoding="utf-8"))

    def cats(key: str) -> tuple[Category, ...]:
        return tuple(Category(code=c["code"], label=c["label"]) for c in raw[key])

    hist = raw["histograms"]
    return Taxonomy(
        name=raw["taxonomy"],
        job_category=cats("job_category"),
        race_ethnicity=cats("race_ethnicity"),
        gender=cats("gender"),
        industries=tuple(raw["industry"]),
        size_bands=tuple(raw["size_band"]),
        pay_band_lower_dollars=tuple(raw["pay_bands"]["lower_dollars"]),
        pay_band_labels=tuple(raw["pay_bands"]["labels"]),
        compensation_bins_dollars=tuple(hist["compensation"]["lower_dollars"]),
        performance_pay_bins_dollars=tuple(hist["performance_pay"]["lower_dollars"]),
        regression_reference=dict(raw["regression"]["reference"]),
        fixed_point_bits=int(raw["regression"]["fixed_point_bits"]),
        bounds=dict(raw["bounds"]),
        raw=raw,
    )
