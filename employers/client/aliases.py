"""Spellings of column headers and category values, read from the taxonomy's alias tables.

The tables are declarative JSON beside the taxonomy (``taxonomy/_aliases-<name>.json``) so that
the browser page can apply exactly the same rules. This module only loads them and implements
the one matching rule the file states.

Guarantees:
- :func:`alias_key` is the matching rule: Unicode NFKD, combining marks dropped, casefolded,
  only ``a-z`` and ``0-9`` kept. Two spellings match when their keys are equal.
- Loading fails loudly (``ValueError``) when a key would belong to two columns, or to two
  values of one dimension, or when a category's code or label is missing from its aliases; a
  table can therefore never match ambiguously.
- :meth:`Aliases.suggest_value` and :meth:`Aliases.suggest_column` return the closest known
  spelling (difflib) for an unknown one, or None when nothing is reasonably close: a value
  needs a similarity of ``VALUE_SUGGESTION_CUTOFF`` (0.75, a typo), a header 0.6 (headers vary
  more, and the closest one is offered as a lead, not as a correction).
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from protocol.taxonomy import DEFAULT_TAXONOMY, DIMENSIONS, TAXONOMY_DIR, Taxonomy, load

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
SUGGESTION_CUTOFF = 0.6
# A value is offered a correction only when it is a near miss of a known spelling: typos score
# 0.75 or more ("Mael" and "Mlae" for male 0.75, "Whtie" 0.8, "Hispnaic" 0.875), words that are
# no spelling of any category less ("Martian" against "aian" 0.727, "Mixed" 0.714, "Agender" 0.7).
VALUE_SUGGESTION_CUTOFF = 0.75


def alias_key(text: object) -> str:
    """The matching key of a header or value: case, accents, spaces and punctuation ignored."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub("", stripped.casefold())


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the employee-level extract."""

    field: str
    label: str
    required: bool
    description: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class UnsupportedColumn:
    """A column people often have that this client recognises but does not read."""

    name: str
    aliases: tuple[str, ...]
    instead: str
    message: str


@dataclass(frozen=True)
class Aliases:
    """The alias tables of one taxonomy, with lookups by key."""

    taxonomy: Taxonomy
    columns: tuple[ColumnSpec, ...]
    unsupported: tuple[UnsupportedColumn, ...]
    value_aliases: dict[str, dict[str, tuple[str, ...]]]
    blank_value: dict[str, str]
    column_by_key: dict[str, str]
    unsupported_by_key: dict[str, UnsupportedColumn]
    value_by_key: dict[str, dict[str, int]]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns)

    def column(self, field: str) -> ColumnSpec:
        for spec in self.columns:
            if spec.field == field:
                return spec
        raise KeyError(field)

    def field_of_header(self, header: str) -> str | None:
        return self.column_by_key.get(alias_key(header))

    def value_index(self, dimension: str, text: str) -> int | None:
        """Position of the category in taxonomy order, or None for an unknown spelling."""
        return self.value_by_key[dimension].get(alias_key(text))

    def blank_index(self, dimension: str) -> int | None:
        """Category that a blank cell of ``dimension`` stands for, or None when blank is an error."""
        code = self.blank_value.get(dimension)
        return None if code is None else self.taxonomy.index_of(dimension, code)

    def suggest_value(self, dimension: str, text: str) -> str | None:
        """The label of the category whose spelling is closest to ``text``."""
        key = alias_key(text)
        candidates = self.value_by_key[dimension]
        match = difflib.get_close_matches(key, list(candidates), n=1, cutoff=VALUE_SUGGESTION_CUTOFF)
        if not match:
            return None
        return self.taxonomy.categories(dimension)[candidates[match[0]]].label

    def suggest_column(self, field: str, headers: list[str]) -> str | None:
        """The header of the file closest to any alias of ``field``."""
        by_key = {alias_key(h): h for h in headers if alias_key(h)}
        best: tuple[float, str] | None = None
        for alias in self.column(field).aliases:
            for key, header in by_key.items():
                ratio = difflib.SequenceMatcher(None, alias_key(alias), key).ratio()
                if ratio >= SUGGESTION_CUTOFF and (best is None or ratio > best[0]):
                    best = (ratio, header)
        return None if best is None else best[1]


def _index_keys(owner_of: dict[str, object], spellings: tuple[str, ...], owner: object, what: str):
    for spelling in spellings:
        key = alias_key(spelling)
        if not key:
            raise ValueError(f"Alias {spelling!r} of {what} has no letters or digits")
        if owner_of.setdefault(key, owner) != owner:
            raise ValueError(f"Alias {spelling!r} of {what} also belongs to {owner_of[key]!r}")


def _parse(tax: Taxonomy, raw: dict) -> Aliases:
    columns = tuple(
        ColumnSpec(
            field=field,
            label=spec["label"],
            required=bool(spec["required"]),
            description=spec["description"],
            aliases=tuple(spec["aliases"]),
        )
        for field, spec in raw["columns"].items()
    )
    unsupported = tuple(
        UnsupportedColumn(name=name, aliases=tuple(s["aliases"]), instead=s["instead"], message=s["message"])
        for name, s in raw.get("unsupported_columns", {}).items()
    )
    column_by_key: dict[str, object] = {}
    for spec in columns:
        _index_keys(column_by_key, spec.aliases + (spec.label,), spec.field, f"column {spec.field}")
    unsupported_by_key: dict[str, object] = {}
    for item in unsupported:
        _index_keys(unsupported_by_key, item.aliases, item, f"column {item.name}")
        clash = set(unsupported_by_key) & set(column_by_key)
        if clash:
            raise ValueError(f"Unsupported-column aliases {sorted(clash)} are also column aliases")
    value_aliases: dict[str, dict[str, tuple[str, ...]]] = {}
    value_by_key: dict[str, dict[str, int]] = {}
    for dimension in DIMENSIONS:
        table = raw["values"][dimension]
        codes = tax.codes(dimension)
        if sorted(table) != sorted(codes):
            raise ValueError(f"Aliases of {dimension} list codes {sorted(table)}, taxonomy has {codes}")
        keys: dict[str, object] = {}
        for index, category in enumerate(tax.categories(dimension)):
            spellings = tuple(table[category.code])
            for required in (category.code, category.label):
                if alias_key(required) not in {alias_key(s) for s in spellings}:
                    raise ValueError(f"Aliases of {dimension} {category.code} lack {required!r}")
            _index_keys(keys, spellings, index, f"{dimension} {category.code}")
        value_aliases[dimension] = {code: tuple(table[code]) for code in codes}
        value_by_key[dimension] = {k: int(v) for k, v in keys.items()}
    return Aliases(
        taxonomy=tax,
        columns=columns,
        unsupported=unsupported,
        value_aliases=value_aliases,
        blank_value=dict(raw.get("blank_value", {})),
        column_by_key={k: str(v) for k, v in column_by_key.items()},
        unsupported_by_key=unsupported_by_key,  # type: ignore[arg-type]
        value_by_key=value_by_key,
    )


@cache
def aliases_for(taxonomy_name: str = DEFAULT_TAXONOMY) -> Aliases:
    """The alias tables of a taxonomy (loaded once)."""
    tax = load(taxonomy_name)
    path = TAXONOMY_DIR / f"_aliases-{taxonomy_name}.json"
    return _parse(tax, json.loads(path.read_text(encoding="utf-8")))


@cache
def soft_maximums(taxonomy_name: str = DEFAULT_TAXONOMY) -> dict[str, int]:
    """Warning thresholds (``_checks-<name>.json``): above them a value is kept but flagged."""
    path = TAXONOMY_DIR / f"_checks-{taxonomy_name}.json"
    return dict(json.loads(path.read_text(encoding="utf-8"))["soft_maximums"])
