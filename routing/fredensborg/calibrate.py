"""Calibrate the route-bought volumes of the Fredensborg week against the 2021 cost table.

The areas' derived passenger counts assume a productivity (passenger trips per paid
vehicle-hour: 2.5 for special-needs routes, 3 for day centres, 5 for school routes). This
engine plans the synthetic week at its own productivity, so the generated week is planned
as in 2021 (``routing.planning`` silo mode: per area, channel and institution), priced with the
tariff formulas, and the passengers on Flexrute and egne-vogne routes are scaled per area by
``2021 spend / modelled spend``; a few rounds converge. The factors are written to
``generator.yaml`` (``route_calibration``), where every generated week then uses them.

    python -m routing.fredensborg.calibrate --seed 2021 --rounds 2 --time-limit 30
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import yaml

from routing.compare import evaluate
from routing.fredensborg.areas import FREDENSBORG_DIR, load_areas
from routing.fredensborg.generate import generate_week
from routing.report.json_out import write_atomic
from routing.scenario.write import write_scenario

ROUTE_CELLS = {"flexrute": "movia", "own": "egne_vogne"}


def targets() -> dict[tuple[int, str], float]:
    """2021 spend per area on Flexrute (Movia's route share) and egne vogne (kr./year)."""
    out = {}
    for a in load_areas():
        flexrute = a.cost_2021["movia"] * float(a.movia_product_split.get("flexrute", 0.0))
        if flexrute > 0:
            out[(a.id, "flexrute")] = flexrute
        if a.cost_2021["egne_vogne"] > 0:
            out[(a.id, "own")] = float(a.cost_2021["egne_vogne"])
    return out


def write_factors(path: Path, factors: dict[int, dict[str, float]]) -> None:
    """Replace the ``route_calibration`` block at the end of generator.yaml."""
    text = path.read_text(encoding="utf-8")
    head = re.split(r"(?m)^route_calibration:.*$", text)[0].rstrip() + "\n"
    block = yaml.safe_dump({"route_calibration": {a: {c: round(f, 3) for c, f in sorted(v.items())} for a, v in sorted(factors.items())}}, default_flow_style=None, sort_keys=False)
    write_atomic(path, head + block)


def calibrate(seed: int, rounds: int, days: tuple[str, ...], time_limit: float, config_dir: Path = FREDENSBORG_DIR) -> dict[int, dict[str, float]]:
    """Run ``rounds`` of generate -> plan as in 2021 -> price -> rescale; return the final factors."""
    cfg_path = config_dir / "generator.yaml"
    goal = targets()
    for k in range(rounds):
        cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
        factors: dict[int, dict[str, float]] = {int(a): dict(v) for a, v in (cfg.get("route_calibration") or {}).items()}
        with tempfile.TemporaryDirectory() as tmp:
            week = Path(tmp) / "week.yaml"
            write_scenario(week, generate_week(seed, 1.0, baseline_2021=True, config_dir=config_dir))
            result = evaluate(week, days, time_limit, None)
        for (area, channel), target in sorted(goal.items()):
            model = result.figures.get((area, channel))
            current = factors.setdefault(area, {}).get(channel, 1.0)
            if model is None or model.cost_dkk <= 0:
                continue
            factors[area][channel] = max(0.2, min(5.0, current * target / model.cost_dkk))
            print(f"round {k + 1}: area {area:2d} {channel:8s} model {model.cost_dkk:12,.0f} target {target:12,.0f} factor {current:.3f} -> {factors[area][channel]:.3f}", flush=True)
        write_factors(cfg_path, factors)
    return factors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--days", default="mon,tue,wed,thu,fri")
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver seconds per day")
    args = parser.parse_args(argv)
    calibrate(args.seed, args.rounds, tuple(args.days.split(",")), args.time_limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
