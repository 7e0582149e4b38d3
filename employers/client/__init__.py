"""The employer-side client: reading, checking and summing one employer's figures locally.

Nothing here imports Django; the service never sees what these modules read.

Public API (see each module's docstring for its guarantees):

- :func:`employers.client.check.check_extract` ``(path, *, column_map=None,
  taxonomy="compact-2026", display_name=None, parallel=None) -> CheckResult`` and
  :func:`employers.client.check.check_frame` ``(frame, *, column_map=None, taxonomy=...,
  name="DataFrame") -> CheckResult``: read and validate an employee-level CSV/XLSX, the Boston
  workbook (2023 or 2024 layout) or a DataFrame. ``CheckResult`` has ``ok``, ``status``
  (``ok``/``errors``/``unusable``), ``errors``, ``warnings``, ``summary`` and ``as_dict()``.
- :func:`employers.client.vector.vector_from` ``(result, layout) -> np.ndarray``: the uint64
  statistics vector of docs/vector.md; refuses a result with errors.
- :func:`employers.client.synthetic.synthetic_employees` ``(*, n, seed, gender_gap=0.08, ...)
  -> DataFrame`` and ``write_csv`` / ``write_xlsx``: deterministic synthetic extracts.
- :mod:`employers.client.columns`: ``column_map_parse``, ``column_map_load``,
  ``column_map_save`` for user column mappings.
- :mod:`employers.client.sanitise`: ``for_terminal`` and ``for_csv_cell`` for any text that
  came from a file.
- ``python -m employers.client template|check|layout`` (:mod:`employers.client.cli`;
  subcommands are registered in :mod:`employers.client.commands`).

Modules: ``aliases`` (spellings), ``sniffing`` (file kind, header row), ``csvfile`` (CSV
encoding, delimiter and columns), ``xlsxfile`` (reading .xlsx sheets), ``rawtable`` (the rows
read, before checks), ``unusable`` (the error of an unreadable file), ``decimals`` (exact
amounts), ``columns`` (column mapping), ``extract`` (row checks), ``workbook`` (the Boston
workbook), ``parallel`` (two-core check of large CSVs), ``issues`` (issue values),
``quartiles``, ``sufficient_statistics`` (the regression's sufficient statistics), ``vector``
(the statistics vector), ``benchmark`` (the benchmark report), ``template``, ``synthetic``. The contracts it shares with the service and the office (taxonomy,
vector layout, exact sums, histogram, sealing, office key) live in :mod:`protocol`.
"""
