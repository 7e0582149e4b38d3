"""Benchmark: reading, checking and vectorising a large extract, against an analyst's group-by.

    python benchmarks/extract.py [--rows 1000000] [--xlsx-rows 100000] [--repeat 3] [--workdir DIR]

Generates a synthetic employee-level CSV (and an XLSX), then measures each step in a fresh
subprocess so that peak memory (ru_maxrss, the resident set) belongs to that step alone:

- ``pandas``: ``pd.read_csv`` + ``groupby(job, race, gender)`` headcount and pay sums, as a data
  analyst would write it (the baseline of the target);
- ``duckdb``: the same group-by in DuckDB, for reference;
- ``check+vector``: ``check_extract`` and ``vector_from`` on the same file, as the CLI runs
  them (two processes when a second core is free), and forced to one or two processes;
- ``xlsx check+vector``: the same on the XLSX.

Time is wall-clock of the work itself (after imports), the median of ``--repeat`` runs, with
the CPU time of the process and its worker beside it (on a machine shared with other jobs the
two cores may not both be free). Peak memory is the process's VmHWM plus its worker's peak,
the largest over the runs, including the interpreter and its imports.
Targets: check+vector at most 1.5x the pandas time and at most 1.5 GB; the XLSX at most 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def step_pandas(path: str) -> dict:
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_csv(path)
    table = frame.groupby(["Job Category", "Race/Ethnicity", "Gender"]).agg(
        headcount=("Employee ID", "size"), pay=("Annual Compensation", "sum"), bonus=("Performance Pay", "sum"))
    return {"seconds": time.perf_counter() - start, "people": int(table["headcount"].sum())}


def step_duckdb(path: str) -> dict:
    import duckdb

    start = time.perf_counter()
    rows = duckdb.sql(
        f"select \"Job Category\", \"Race/Ethnicity\", \"Gender\", count(*) as n, sum(\"Annual Compensation\"), "
        f"sum(\"Performance Pay\") from read_csv_auto('{path}') group by all").fetchall()
    return {"seconds": time.perf_counter() - start, "people": int(sum(r[3] for r in rows))}


def step_check_vector(path: str, parallel: bool | None = None) -> dict:
    from employers.client.check import check_extract
    from employers.client.vector import vector_from
    from protocol.layout import layout_for

    layout = layout_for()
    start = time.perf_counter()
    result = check_extract(path, parallel=parallel)
    checked = time.perf_counter()
    elements = vector_from(result, layout)
    done = time.perf_counter()
    return {"seconds": done - start, "check_seconds": checked - start, "vector_seconds": done - checked,
            "people": result.summary.rows_used, "elements": int(elements.size)}


STEPS = {
    "pandas": step_pandas,
    "duckdb": step_duckdb,
    "check+vector": step_check_vector,
    "check+vector one process": lambda path: step_check_vector(path, parallel=False),
    "check+vector two processes": lambda path: step_check_vector(path, parallel=True),
}


def run_once(name: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--step", name, str(path)], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout)


def summarise(runs: list[dict]) -> dict:
    summary = {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0] if k.endswith("seconds")}
    summary["peak_mb"] = round(max(r["peak_mb"] for r in runs))
    summary["worker_peak_mb"] = round(max(r["worker_peak_mb"] for r in runs))
    summary["people"] = runs[0]["people"]
    return summary


def generate(workdir: Path, rows: int, xlsx_rows: int) -> tuple[Path, Path]:
    from employers.client.synthetic import synthetic_employees, write_csv, write_xlsx

    csv_path, xlsx_path = workdir / f"extract-{rows}.csv", workdir / f"extract-{xlsx_rows}.xlsx"
    if not csv_path.exists():
        write_csv(synthetic_employees(n=rows, seed=2026), csv_path)
    if not xlsx_path.exists():
        write_xlsx(synthetic_employees(n=xlsx_rows, seed=2027), xlsx_path, title_rows=("Synthetic payroll",))
    return csv_path, xlsx_path


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Unlike ru_maxrss it starts afresh at exec, so a
    step does not inherit the high-water mark of the process that started it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()[1].split()[1]
    return {"nproc": os.cpu_count(), "memory": memory, "cpu": cpu, "python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--step", choices=sorted(STEPS))
    parser.add_argument("path", nargs="?")
    args = parser.parse_args()
    if args.step:
        before = resource.getrusage(resource.RUSAGE_SELF)
        result = STEPS[args.step](args.path)
        after, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        # A large CSV is checked by this process and one forked worker: count both.
        result["worker_peak_mb"] = children.ru_maxrss / 1024
        result["peak_mb"] = peak_rss_mb() + result["worker_peak_mb"]
        result["cpu_seconds"] = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                                 + children.ru_utime + children.ru_stime)
        print(json.dumps(result))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tc-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = generate(workdir, args.rows, args.xlsx_rows)
    # Runs are interleaved (pandas, duckdb, ours, pandas, ...) so that load from other processes
    # on the machine affects the baseline and the client alike.
    runs: dict[str, list[dict]] = {name: [] for name in (*STEPS, "xlsx check+vector")}
    for _ in range(args.repeat):
        for name in STEPS:
            runs[name].append(run_once(name, csv_path))
        runs["xlsx check+vector"].append(run_once("check+vector one process", xlsx_path))
    results = {name: summarise(r) for name, r in runs.items()}
    ratio = results["check+vector"]["seconds"] / results["pandas"]["seconds"]
    ratios = {name: round(results[name]["seconds"] / results["pandas"]["seconds"], 2)
              for name in results if name.startswith("check+vector")}
    report = {"machine": machine(), "load_average": os.getloadavg(), "rows": args.rows, "xlsx_rows": args.xlsx_rows,
              "csv_mb": round(csv_path.stat().st_size / 2**20, 1), "results": results,
              "ratio_to_pandas": ratios,
              "targets_met": {"time <= 1.5x pandas": ratio <= 1.5,
                              "peak <= 1.5 GB": results["check+vector"]["peak_mb"] <= 1536,
                              "xlsx <= 10 s": results["xlsx check+vector"]["seconds"] <= 10}}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
