"""The 2021 baseline reproduces the seed's cost per area and channel.

The shipped baseline week comes with its plans as in 2021 (per area, channel and institution;
``baseline_2021_plans.json.gz``, made by ``python -m routing.fredensborg.calibrate``). The test replays
every plan with the checker and prices the routes and per-trip purchases with the tariff formulas; the
seed table (typed in here independently) is only the expectation."""

from __future__ import annotations

import pytest

from routing.compare import ScenarioResult, evaluate
from routing.fredensborg.areas import FREDENSBORG_DIR

# Seed: Fredensborg Visiteret Borgerbefordringsanalyse (2022), 2021 cost table (kr.): private, Movia, egne vogne, refusion.
SEED = {
    1: (0, 58933, 0, 324), 2: (12113, 15718, 0, 0), 3: (0, 43116, 0, 0), 4: (0, 668413, 0, 638),
    5: (32760, 272714, 1860281, 0), 7: (0, 2374276, 0, 0), 8: (202707, 886176, 0, 7297),
    9: (855946, 3687745, 952406, 23292), 10: (303098, 591669, 0, 285261), 11: (132570, 2588239, 0, 64608),
    12: (810474, 4163935, 0, 123100), 13: (3900, 289601, 439532, 2075), 14: (0, 0, 0, 181796), 15: (0, 0, 0, 44181),
}
SEED_CHANNELS = {"private": ("private",), "movia": ("flexrute", "flexkommune", "flexhandicap"), "egne_vogne": ("own",), "refusion": ("refusion",)}
#: Cells below this are a handful of trips a week; one trip more or less moves them by more than 10 %.
MATERIAL_DKK = 50_000
SMALL_CELL_TOLERANCE_DKK = 25_000


@pytest.fixture(scope="module")
def baseline() -> ScenarioResult:
    return evaluate(FREDENSBORG_DIR / "baseline_2021.yaml", ("mon", "tue", "wed", "thu", "fri"), time_limit_s=600, cache_dir=None)


def _model(result: ScenarioResult, area: int, seed_channel: str) -> float:
    return sum(result.figures[(area, ch)].cost_dkk for ch in SEED_CHANNELS[seed_channel] if (area, ch) in result.figures)


#: Cells bought mostly as routes (Flexrute in the route-based areas, egne vogne): their cost depends on how
#: the engine plans the silos, and the calibration (routing.fredensborg.calibrate) converges only to within
#: about 10-20 % so far. Target: +-10 % like the others (issue 6, open); guarded at +-20 % meanwhile.
ROUTE_CELLS = {(5, "movia"), (11, "movia"), (12, "movia"), (13, "movia"), (5, "egne_vogne"), (9, "egne_vogne"), (13, "egne_vogne")}
ROUTE_CELL_TOLERANCE = 0.20


def _misses(baseline: ScenarioResult, route_cells: bool) -> list[str]:
    misses = []
    for area, costs in SEED.items():
        for seed_channel, expected in zip(SEED_CHANNELS, costs, strict=True):
            if ((area, seed_channel) in ROUTE_CELLS) != route_cells:
                continue
            model = _model(baseline, area, seed_channel)
            tolerance = ROUTE_CELL_TOLERANCE if route_cells else 0.10
            ok = abs(model - expected) <= tolerance * expected if expected >= MATERIAL_DKK else abs(model - expected) <= SMALL_CELL_TOLERANCE_DKK
            if not ok:
                misses.append(f"area {area} {seed_channel}: model {model:,.0f} vs 2021 {expected:,.0f}")
    return misses


def test_baseline_reproduces_2021_cost_per_area_and_channel(baseline: ScenarioResult) -> None:
    """Every cell bought per trip or counted (Flexkommune, Flexhandicap, private, refusion; CFH Movia) within +-10 %."""
    misses = _misses(baseline, route_cells=False)
    assert not misses, "\n".join(misses)


def test_baseline_route_cells_within_the_interim_guard(baseline: ScenarioResult) -> None:
    misses = _misses(baseline, route_cells=True)
    assert not misses, "\n".join(misses)


def test_baseline_total_and_service(baseline: ScenarioResult) -> None:
    total = baseline.total.cost_dkk
    assert abs(total - 21_978_894) <= 0.05 * 21_978_894
    assert baseline.unserved.get(("total", "all"), 0.0) == 0.0
    assert baseline.mode == "silo"
    assert baseline.solved_silos == 0 and baseline.loaded_silos > 100  # every silo came from the stored plans
