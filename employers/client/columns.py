"""Which column of the file holds which field: found by header aliases, overridable, savable.

Guarantees:
- Every field gets at most one column, and a column serves at most one field. A header that
  matches a field's aliases is used unless the user mapped that field (``--map``) or the
  header to something else.
- A missing required column, two columns that both look like one field, or a mapping that
  names a header the file does not have make the file :class:`~employers.client.unusable.Unusable`,
  with the closest header of the file suggested.
- A saved mapping is a small JSON document (``talent-compact-column-map/1``) holding
  ``{field: header}``; loading validates it and names the offending key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from employers.client.aliases import Aliases, alias_key
from employers.client.issues import clean
from employers.client.unusable import unusable

MAP_FORMAT = "talent-compact-column-map/1"


class ColumnMapError(ValueError):
    """A mapping given by the user is malformed (bad syntax, unknown field, bad file)."""


@dataclass(frozen=True)
class ColumnMap:
    """Field name -> position of its column in the file, and the header as written there."""

    positions: dict[str, int]
    headers: dict[str, str]

    def as_mapping(self) -> dict[str, str]:
        return dict(self.headers)


def column_map_parse(pairs: list[str], *, aliases: Aliases) -> dict[str, str]:
    """``["compensation=Base Pay", ...]`` -> {field: header}; refuses unknown fields."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, header = pair.partition("=")
        field, header = field.strip(), header.strip().strip('"').strip("'")
        if not sep or not field or not header:
            raise ColumnMapError(f"--map takes FIELD=HEADER, for example compensation=\"Base Pay\"; got {clean(pair)!r}")
        _check_field(field, aliases)
        mapping[field] = header
    return mapping


def _check_field(field: str, aliases: Aliases) -> None:
    if field not in aliases.fields:
        raise ColumnMapError(f"Unknown field {clean(field)!r}; fields are: {', '.join(aliases.fields)}")


def column_map_load(path: Path, *, aliases: Aliases) -> dict[str, str]:
    """A mapping saved by :func:`column_map_save`."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ColumnMapError(f"Cannot read column mapping {clean(path)}: {clean(exc)}") from None
    if not isinstance(document, dict) or document.get("format") != MAP_FORMAT or not isinstance(document.get("columns"), dict):
        raise ColumnMapError(f"{clean(path)} is not a column mapping (expected format {MAP_FORMAT!r} and a 'columns' object)")
    mapping = {}
    for field, header in document["columns"].items():
        _check_field(str(field), aliases)
        if not isinstance(header, str) or not header.strip():
            raise ColumnMapError(f"{clean(path)}: the header for {clean(field)!r} must be non-empty text")
        mapping[str(field)] = header
    return mapping


def column_map_save(path: Path, mapping: dict[str, str]) -> None:
    document = {"format": MAP_FORMAT, "columns": dict(sorted(mapping.items()))}
    Path(path).write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _position_of(header: str, headers: tuple[str, ...]) -> int | None:
    for exact in (True, False):
        for i, h in enumerate(headers):
            if (h == header) if exact else (alias_key(h) == alias_key(header) and alias_key(h)):
                return i
    return None


def column_map_resolve(
    *, headers: tuple[str, ...], aliases: Aliases, overrides: dict[str, str], file: str, sheet: str | None
) -> ColumnMap:
    """Assign columns to fields: overrides first, then header aliases."""
    positions: dict[str, int] = {}
    for field, header in overrides.items():
        position = _position_of(header, headers)
        if position is None:
            closest = _closest_header(header, headers)
            raise unusable(file, "mapped_column_missing", f"a column headed {clean(header)!r} (from the mapping of {field})",
                           sheet=sheet, value=f"headers {', '.join(repr(clean(h)) for h in headers if h)}",
                           detail=f"did you mean {clean(closest)!r}?" if closest else None)
        clash = [f for f, p in positions.items() if p == position]
        if clash:
            raise unusable(file, "column_mapped_twice", "each column mapped to one field", sheet=sheet,
                           value=f"column {clean(headers[position])!r} mapped to {clash[0]} and {field}")
        positions[field] = position
    taken = set(positions.values())
    candidates: dict[str, list[int]] = {}
    for i, header in enumerate(headers):
        field = aliases.field_of_header(header) if header else None
        if field and field not in positions and i not in taken:
            candidates.setdefault(field, []).append(i)
    for field, found in candidates.items():
        if len(found) > 1:
            names = " and ".join(repr(clean(headers[i])) for i in found)
            raise unusable(file, "ambiguous_column", f"one column for {field}", sheet=sheet,
                           value=f"columns {names}", detail="say which one to use")
        positions[field] = found[0]
    for spec in aliases.columns:
        if spec.required and spec.field not in positions:
            raise _missing_column(spec.field, headers, aliases, file, sheet)
    return ColumnMap(positions=positions, headers={f: headers[i] for f, i in positions.items()})


def _closest_header(header: str, headers: tuple[str, ...]) -> str | None:
    import difflib

    keys = {alias_key(h): h for h in headers if alias_key(h)}
    match = difflib.get_close_matches(alias_key(header), list(keys), n=1, cutoff=0.6)
    return keys[match[0]] if match else None


def _missing_column(field: str, headers: tuple[str, ...], aliases: Aliases, file: str, sheet: str | None):
    spec = aliases.column(field)
    present = [u for h in headers if (u := aliases.unsupported_by_key.get(alias_key(h))) and u.instead == field]
    if present:
        detail = present[0].message
    else:
        # A header that is another field's own name is that field's column, not a lead.
        closest = aliases.suggest_column(field, [h for h in headers if not aliases.field_of_header(h)])
        detail = f"closest header in the file: {clean(closest)!r}" if closest else None
    examples = ", ".join(f"'{a}'" for a in spec.aliases[:4])
    return unusable(file, "missing_column", f"a column for {spec.label} ({examples}, ...)", sheet=sheet,
                    value=f"headers {', '.join(repr(clean(h)) for h in headers if h)}", detail=detail)
