"""Re-plan benchmark: random changes of each kind on a planned week, timed as a user runs them.

``python -m benchmarks.replan_week WEEK_DIR --kinds add,cancel,vehicle_unavailable --count 10 --seed 1``

For each kind, ``count`` random single changes are drawn from the week (``WEEK_DIR`` written by
``python cli.py week``): *add* — a new every-day passenger with the home of a random route-bought
passenger and the same institution and window; *cancel* — a random recurring passenger on one random
day; *vehicle_unavailable* — a random vehicle whose route that day runs past 10:00, from 10:00. Each is
re-planned with ``python cli.py replan`` in a fresh process (wall time includes loading the week and
the scenario), and its ``changes.json`` read: untouched trips kept, vehicle changes, |Δt|, seconds.
Rows go to ``--out`` (CSV); the summary per kind is printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from routing.files import write_atomic

KINDS = ("add", "cancel", "vehicle_unavailable")
TEN = 10 * 3600


def _week(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = json.loads((folder / "week.json").read_text(encoding="utf-8"))
    from routing.scenario.extends import resolve_extends
    from routing.scenario.load import read_yaml

    path = Path(doc["source"]["scenario"])
    return doc, resolve_extends(read_yaml(path), path)


def draw(kind: str, doc: dict[str, Any], data: dict[str, Any], rng: random.Random, k: int) -> dict[str, Any]:
    """One random change of ``kind`` (a change-file entry)."""
    passengers = [p for p in doc["passengers"] if all(v for v in p["vehicles"].values())]
    if kind == "cancel":
        p = rng.choice(passengers)
        return {"kind": "cancel", "passenger": p["passenger"], "days": [rng.choice(p["days"])]}
    if kind == "add":
        by_id = {str(r["id"]): r for r in data["requests"]}
        template = by_id[rng.choice(rng.choice(passengers)["requests"])]
        new = {key: value for key, value in template.items() if key not in ("id", "passenger", "days", "label")}
        return {"kind": "add", "request": {**new, "id": f"bench-new-{k}", "passenger": f"bench-new-{k}"}}
    day = rng.choice(list(doc["days"]))
    late = [r["vehicle"] for r in doc["days"][day]["plan"]["routes"] if r["stops"][-1]["arrival_s"] > TEN]
    return {"kind": "vehicle_unavailable", "vehicle": rng.choice(sorted(late)), "days": [day], "from": "10:00"}


def run(folder: Path, kinds: tuple[str, ...], count: int, seed: int, time_limit: float) -> list[dict[str, Any]]:
    """Re-plan ``count`` random changes of each kind; one row per change."""
    doc, data = _week(folder)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            rng = random.Random(f"{seed}-{kind}")
            for k in range(count):
                change = draw(kind, doc, data, rng, k)
                path = Path(tmp) / f"{kind}-{k}.yaml"
                path.write_text(yaml.safe_dump({"changes": [change]}, allow_unicode=True), encoding="utf-8")
                out = Path(tmp) / f"{kind}-{k}"
                cmd = [sys.executable, "cli.py", "replan", str(folder), "--change", str(path), "--out", str(out)]
                started = time.monotonic()
                proc = subprocess.run(
                    [*cmd, "--time-limit", str(time_limit), "--quiet"], capture_output=True, text=True
                )
                wall = time.monotonic() - started
                if proc.returncode != 0:
                    raise RuntimeError(f"{kind} {change}: exit {proc.returncode}\n{proc.stderr}")
                result = json.loads((out / "changes.json").read_text(encoding="utf-8"))
                d = result["disruption"]
                rows.append(
                    {
                        "kind": kind,
                        "change": json.dumps(change, ensure_ascii=False),
                        "wall_s": round(wall, 2),
                        "replan_s": result["seconds"],
                        "days_planned_again": "+".join(result["days_planned_again"]),
                        "untouched": d["untouched_trips"],
                        "kept_share": d["untouched_kept_share"],
                        "vehicle_changed": d["vehicle_changed"],
                        "beyond_tolerance": d["beyond_tolerance"],
                        "max_abs_delta_min": d["max_abs_delta_min"],
                        "unserved": sum(len(v) for v in result["unserved"].values()),
                    }
                )
    return rows


def summary(rows: list[dict[str, Any]]) -> str:
    """Per kind: changes, wall seconds (median / max), untouched kept (min / mean), vehicle changes, unserved."""
    lines = [
        "| kind | changes | wall s median / max | untouched kept min / mean | vehicle changes mean | unserved |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind in dict.fromkeys(r["kind"] for r in rows):
        mine = [r for r in rows if r["kind"] == kind]
        walls = [r["wall_s"] for r in mine]
        kept = [r["kept_share"] for r in mine]
        lines.append(
            f"| {kind} | {len(mine)} | {statistics.median(walls):.1f} / {max(walls):.1f} | "
            f"{min(kept):.2%} / {statistics.mean(kept):.2%} | "
            f"{statistics.mean(r['vehicle_changed'] for r in mine):.1f} | {sum(r['unserved'] for r in mine)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("week_dir")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--out", default="benchmarks/results/replan_week.csv")
    args = parser.parse_args(argv)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    rows = run(Path(args.week_dir), kinds, args.count, args.seed, args.time_limit)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(args.out, buf.getvalue())
    print(summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
