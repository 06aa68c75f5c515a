"""Solver settings (``SolveParams``): everything that steers a solve, logged with its result.

``SolveParams.pipeline`` (a ``Pipeline``) holds the stage order and the time shares of the
solve pipeline (``solve.py`` picks backends, ``hybrid.py`` runs relax → repair → insert →
improve → polish), so every number that steers a solve is recorded in ``plan.json``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from routing.exceptions import Problem, ScenarioError
from routing.model import Scenario

#: First-solution strategies the OR-Tools backend accepts (names of OR-Tools' enum).
FIRST_SOLUTION_STRATEGIES = (
    "AUTOMATIC",
    "PATH_CHEAPEST_ARC",
    "PATH_MOST_CONSTRAINED_ARC",
    "SAVINGS",
    "SWEEP",
    "CHRISTOFIDES",
    "ALL_UNPERFORMED",
    "BEST_INSERTION",
    "PARALLEL_CHEAPEST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_COST_INSERTION",
    "GLOBAL_CHEAPEST_ARC",
    "LOCAL_CHEAPEST_ARC",
    "FIRST_UNBOUND_MIN_VALUE",
)

#: Local-search metaheuristics the OR-Tools backend accepts.
METAHEURISTICS = (
    "AUTOMATIC",
    "GREEDY_DESCENT",
    "GUIDED_LOCAL_SEARCH",
    "SIMULATED_ANNEALING",
    "TABU_SEARCH",
    "GENERIC_TABU_SEARCH",
)

#: What the solver minimises. ``cost``: the vehicle types' fixed, per-km and per-hour
#: cost (an objective, not an invoice); ``distance``: total distance; ``vehicles_then_distance``:
#: fewest vehicles first, then distance (the hierarchical objective of the VRPTW/PDPTW literature).
OBJECTIVES = ("cost", "distance", "vehicles_then_distance")

#: Backends. ``auto``: PyVRP where it can express the problem (it is much stronger on
#: classic VRPTW/PDPTW); otherwise a portfolio of ``hybrid`` (PyVRP on a relaxation,
#: repaired, polished by OR-Tools) and plain ``ortools`` searches; OR-Tools as the fallback.
BACKENDS = ("auto", "ortools", "pyvrp", "pyvrp_fleet", "hybrid")

#: Stages of the hybrid pipeline, in their order. ``relax`` (PyVRP on the relaxation; replaced
#: by a given plan), ``repair`` and ``insert`` always run; ``improve`` (ruin and recreate) and
#: ``polish`` (OR-Tools from the warm start) may be left out.
HYBRID_STAGES = ("relax", "repair", "insert", "improve", "polish")
_REQUIRED_STAGES = ("relax", "repair", "insert")


def _share(problems: list[Problem], path: str, value: float) -> None:
    if not 0 < value <= 1:
        problems.append(
            Problem("E520", path, f"{value!r} is not a share in (0, 1]", "Give a number above 0, at most 1.")
        )


def _count(problems: list[Problem], path: str, value: int) -> None:
    if not value >= 1:
        problems.append(Problem("E523", path, f"{value!r} is below 1", "Give a whole number from 1."))


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Stage order and time shares of the solve pipeline (defaults: the measured settings).

    Shares are fractions of the solve's time budget; "by" shares are points in it.

    Parameters
    ----------
    darp_portfolio
        Backends the ``auto`` portfolio cycles through, one per parallel worker, for problems
        PyVRP cannot express.
    plain_ortools_max_requests
        Above this many requests OR-Tools' own first-solution phase is too slow to be worth a
        core (measured: 4-6 s at 200 requests, 18-25 s at 300, minutes beyond): every ``auto``
        worker runs the hybrid.
    fallback_reserve
        Share of the remaining time kept back for the OR-Tools fallback when PyVRP goes first.
    hybrid_stages
        The hybrid's stages in order (``HYBRID_STAGES``; ``improve`` and ``polish`` may be left out).
    relaxation_share
        Share of the time limit given to the relaxed PyVRP search.
    relaxation_stop_share
        Point in the time limit at which a relaxed PyVRP search that has not returned (its set-up
        cannot be interrupted) is stopped; insertion then builds the plan from empty routes in
        the time left. Not in runs bounded by ``solution_limit``.
    insertion_share
        Point in the time limit by which re-inserting repaired-out requests must stop when
        OR-Tools polishes after it.
    lns_shares
        Point in the time limit until which the ruin-and-recreate search improves the plan, per
        seed in turn: portfolio workers alternate, so one of them gives OR-Tools' guided local
        search a long polish from the LNS plan (strong on small instances).
    lns_start_thresholds
        Acceptance threshold of the ruin-and-recreate search at its start, as a share of the
        current cost, per seed in turn (an odd seed explores more widely); it falls to 0 by the
        end as ``(1 - progress) ** lns_threshold_power``.
    lns_threshold_power
        Shape of the threshold's fall: 1 is linear; 2 leaves the search longer near the floor,
        where most new bests are found (a trace of a8-96 at 30 s, linear: the best moved only twice
        between 4 s and 22 s, then fell 0.8 % in the last 5 s of LNS). Measured on Cordeau's four
        largest (a7-84, a8-96, b7-84, b8-96), 8 000 LNS iterations from the same insertion plans,
        seeds 2-5 (16 runs): mean gap 0.61 % at 1, **0.47 %** at 2, 0.61 % at 3 (seeds 2-3). In the
        30-s pipeline on 2 cores (2026-12-04, idle AMD EPYC), the 16 with >= 48 requests, two runs
        each: mean / max 0.145 / 0.53 and 0.112 / 0.62 % at 1, 0.137 / 0.45 and 0.143 / 0.66 % at 2
        (no difference beyond run-to-run noise). Fredensborg's joint Tuesday (indsats 11, 60 s, one
        worker, ``benchmarks.convergence --limits 60``): 21.02 and 21.05 mio kr./yr at 1, **20.93
        and 20.91** at 2.
    lns_recombine_at
        Points in the ruin-and-recreate search (shares of its time, or of its iterations when
        bounded by count) at which the routes it has met are recombined (``search/recombine``:
        the cheapest plan made of pooled routes, by set partitioning); empty: never. Measured on
        Cordeau's four largest, 8 000 LNS iterations from the same insertion plans, seeds 2-3 (8
        runs): mean / max gap 0.48 / 0.88 % without, **0.16 / 0.44 %** at 0.5, 0.75, 0.9 (six points
        from 0.3 to 0.97 were worse in the 30-s pipeline: 0.31 / 0.87 % on the eight largest against
        0.07 / 0.25 %). Cordeau a/b at 30 s, 2 cores (2026-12-04, idle AMD EPYC): 0.02 / 0.42 %;
        0.005 / 0.08 % once the parallel searches' routes are recombined too (``lns_recombine_share``).
    lns_recombine_share
        Longest a recombination may take, as a share of the search's time (not in runs bounded
        by count, where it runs to its end). Parallel hybrid searches also stop this share of
        the time limit early: each sends back a shortlist of its pool and the portfolio
        recombines their routes (``hybrid.recombine_searches``).
    lns_iterations_per_solution
        LNS iterations per unit of ``solution_limit`` when the LNS plan is the result.
    lns_tail_exchange
        Exchange route tails at empty-vehicle points (``search/tails``) on every recreated plan
        before acceptance, and on the start plan. Measured (Cordeau a/b >= 48 requests, 10 s of
        LNS from the same insertion plans, one seed, idle machine): mean gap 1.72 % without,
        0.51 % with; 0.71 % when only accepted plans get it.
    polish_max_requests
        Above this many requests OR-Tools' guided local search from the warm start overruns the
        time limit (measured: a 3 234-request day stayed inside SolveFromAssignmentWithParameters
        for minutes) and adds little; the LNS plan, already exact, is returned as it is. Measured
        at 1 600 requests (darp-scale's uniform day, 60 s, 2 workers, 2026-12-03): the polishing
        worker's plan 2.8 % costlier than the other's LNS plan, and its search returned 6 s after the
        deadline even with the limit checked at every step (17-22 s before); at 800 requests on time.
    polish_build_s_per_million_arcs
        Estimated seconds to build the OR-Tools model per million node pairs (its matrices are
        nodes x nodes; measured 2.8 s at 1 600 requests, 3 202 nodes, on one free core, 7 s with both
        cores busy). The polish runs only when the time left holds 1.5 times the estimate (the build
        cannot be interrupted), unless the run is bounded by ``solution_limit`` (deterministic).
    relaxation_setup_s_per_million_pairs
        Estimated seconds PyVRP needs before its first result on the hybrid's relaxation, per
        million pairs of visits (neighbour lists and a first full local search: measured 5.6 s at
        1 600 requests, 27 s at 3 303 on a busy machine). When the estimate exceeds the time left,
        insertion builds the plan alone (not in runs bounded by ``solution_limit``).
    pyvrp_distance_share
        Share of the time PyVRP's first, distance-only search gets under a hierarchical objective.
    pyvrp_final_share
        Share of the time kept for PyVRP's final search at the smallest fleet found.
    pyvrp_iterations_per_solution
        PyVRP iterations per unit of ``solution_limit`` when a run is bounded by count (tests).
    decompose_min_requests
        Under ``decompose: auto``, a day is split only above this many servable requests (below
        it a monolithic solve is within reach of the time limit; measured: a 3 391-request day in 30 s).
    decompose_part_requests
        Requests per sub-problem a decomposition aims at (``decompose: auto`` makes
        ``ceil(requests / decompose_part_requests)`` parts).
    decompose_parts_share
        Share of the time limit the sub-problems get (run in parallel on the executor); the rest
        goes to the seams step (insertion and ruin and recreate over the merged plan).
    """

    darp_portfolio: tuple[str, ...] = ("hybrid", "hybrid")
    plain_ortools_max_requests: int = 250
    fallback_reserve: float = 0.05
    hybrid_stages: tuple[str, ...] = HYBRID_STAGES
    relaxation_share: float = 0.1
    relaxation_stop_share: float = 0.6
    insertion_share: float = 0.5
    lns_shares: tuple[float, ...] = (0.93, 0.6)
    lns_start_thresholds: tuple[float, ...] = (0.01, 0.03)
    lns_threshold_power: float = 2.0
    lns_recombine_at: tuple[float, ...] = (0.5, 0.75, 0.9)
    lns_recombine_share: float = 0.05
    lns_iterations_per_solution: int = 20
    lns_tail_exchange: bool = True
    polish_max_requests: int = 1000
    polish_build_s_per_million_arcs: float = 0.8
    relaxation_setup_s_per_million_pairs: float = 0.5
    pyvrp_distance_share: float = 0.15
    pyvrp_final_share: float = 0.3
    pyvrp_iterations_per_solution: int = 50
    decompose_min_requests: int = 4000
    decompose_part_requests: int = 1000
    decompose_parts_share: float = 0.6

    def problems(self, where: str = "SolveParams.pipeline") -> list[Problem]:
        """Every problem with these settings (empty: fine).

        Parameters
        ----------
        where
            Path prefix for the problems.

        Returns
        -------
        list[Problem]
            Coded problems E520-E523.
        """
        problems: list[Problem] = []
        shares = (
            "fallback_reserve",
            "relaxation_share",
            "relaxation_stop_share",
            "insertion_share",
            "decompose_parts_share",
            "lns_recombine_share",
        )
        for name in (*shares, "pyvrp_distance_share"):
            _share(problems, f"{where}.{name}", getattr(self, name))
        if not 0 <= self.pyvrp_final_share < 1:
            problems.append(
                Problem(
                    "E520",
                    f"{where}.pyvrp_final_share",
                    f"{self.pyvrp_final_share!r} is not a share in [0, 1)",
                    "Give a number from 0, below 1.",
                )
            )
        for name in ("lns_shares", "lns_start_thresholds"):
            values = getattr(self, name)
            if not values:
                problems.append(Problem("E520", f"{where}.{name}", "is empty", "Give at least one share."))
            for i, value in enumerate(values):
                _share(problems, f"{where}.{name}[{i}]", value)
        points = self.lns_recombine_at
        for i, value in enumerate(points):
            _share(problems, f"{where}.lns_recombine_at[{i}]", value)
        if list(points) != sorted(points):
            value = f"{list(points)!r} is not in rising order"
            problems.append(Problem("E520", f"{where}.lns_recombine_at", value, "List the points from first to last."))
        counts = (
            "plain_ortools_max_requests",
            "lns_iterations_per_solution",
            "polish_max_requests",
            "decompose_min_requests",
            "decompose_part_requests",
        )
        for name in counts:
            _count(problems, f"{where}.{name}", getattr(self, name))
        _count(problems, f"{where}.pyvrp_iterations_per_solution", self.pyvrp_iterations_per_solution)
        if not isinstance(self.lns_tail_exchange, bool):
            value = f"{self.lns_tail_exchange!r} is not a switch"
            problems.append(Problem("E523", f"{where}.lns_tail_exchange", value, "Give true or false."))
        power = self.lns_threshold_power
        if isinstance(power, bool) or not (isinstance(power, int | float) and 0 < power <= 10):
            value = f"{power!r} is not a power in (0, 10]"
            problems.append(
                Problem("E520", f"{where}.lns_threshold_power", value, "Give a number above 0, at most 10 (1: linear).")
            )
        for name in ("polish_build_s_per_million_arcs", "relaxation_setup_s_per_million_pairs"):
            if not getattr(self, name) >= 0:
                problems.append(
                    Problem("E520", f"{where}.{name}", f"{getattr(self, name)!r} is negative", "Give seconds from 0.")
                )
        if not self.darp_portfolio or any(b not in BACKENDS or b == "auto" for b in self.darp_portfolio):
            problems.append(
                Problem(
                    "E521",
                    f"{where}.darp_portfolio",
                    f"{list(self.darp_portfolio)!r} is not a list of backends",
                    f"Name one or more of {', '.join(b for b in BACKENDS if b != 'auto')}.",
                )
            )
        order = [s for s in HYBRID_STAGES if s in self.hybrid_stages]
        if list(self.hybrid_stages) != order or any(s not in self.hybrid_stages for s in _REQUIRED_STAGES):
            problems.append(
                Problem(
                    "E522",
                    f"{where}.hybrid_stages",
                    f"{list(self.hybrid_stages)!r} is not a stage order",
                    f"Keep the order {', '.join(HYBRID_STAGES)}; only improve and polish may be left out.",
                )
            )
        return problems

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Pipeline:
        """Settings from plain data (lists become tuples).

        Parameters
        ----------
        data
            Field names to values; missing fields keep their defaults.

        Returns
        -------
        Pipeline
            The settings (not yet validated: ``SolveParams`` validates them).
        """
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)


#: Longest time limit in seconds: a week; a longer one is a typo. (A limit of 3e19 s overflowed OR-Tools'
#: protobuf duration, an internal error.)
MAX_TIME_LIMIT_S = 7 * 86_400.0
#: Most solutions to stop after: more than any search finds in its time limit (OR-Tools takes an int64).
MAX_SOLUTION_LIMIT = 1_000_000_000
#: Most parallel searches (``workers``), each a process: far above the machines this runs on
#: (``workers: 100000000000`` built a setting per worker until the process was killed).
MAX_WORKERS = 64
#: Largest seed: worker ``w`` searches with ``seed + w``, and PyVRP's random generator takes 32 bits
#: (a seed of 2**32 was an internal error).
MAX_SEED = 2_000_000_000


def _counts_in_range(params: SolveParams, where: str) -> list[Problem]:
    """E501, E502, E506, E508: the time limit, solution limit, seed and workers within their ranges."""
    problems: list[Problem] = []
    limit = params.time_limit_s
    if not (math.isfinite(limit) and 0 < limit <= MAX_TIME_LIMIT_S):
        cause = f"{limit!r} is not positive" if limit <= 0 else f"{limit!r} is not a time limit (at most a week)"
        fix = f"Give a time limit in seconds above 0 and at most {MAX_TIME_LIMIT_S:,.0f} (a week)."
        problems.append(Problem("E501", f"{where}.time_limit_s", cause, fix))
    ranges = (
        ("E502", "solution_limit", params.solution_limit, 1, MAX_SOLUTION_LIMIT, ", or leave it out"),
        ("E506", "seed", params.seed, 0, MAX_SEED, ""),
        ("E508", "workers", params.workers, 1, MAX_WORKERS, " parallel searches"),
    )
    for code, name, value, low, high, tail in ranges:
        if value is not None and not low <= value <= high:
            cause = f"{value!r} is below {low}" if value < low else f"{value!r} is above {high:,}"
            problems.append(
                Problem(code, f"{where}.{name}", cause, f"Give a whole number from {low} to {high:,}{tail}.")
            )
    return problems


#: Most sub-problems of a decomposition: a 16x Fredensborg day makes 14 of about 1 000 requests.
MAX_PARTS = 256
#: The executor URLs a decomposition accepts (``routing.run.executor.open_executor`` opens them).
EXECUTOR_URL = re.compile(r"local(:[1-9]\d*)?|dask-local:[1-9]\d*|dask://[^\s:/]+:\d+")


def _decompose_problems(params: SolveParams, where: str) -> list[Problem]:
    """E509, E519: ``decompose`` is off, auto or a number of parts; ``executor`` an executor URL."""
    problems: list[Problem] = []
    value = params.decompose
    parts = isinstance(value, int) and not isinstance(value, bool) and 2 <= value <= MAX_PARTS
    if value not in ("off", "auto") and not parts:
        problems.append(
            Problem(
                "E509",
                f"{where}.decompose",
                f"{value!r} is not off, auto or a number of parts",
                f"Give off, auto or a whole number of parts from 2 to {MAX_PARTS}.",
            )
        )
    if not isinstance(params.executor, str) or not EXECUTOR_URL.fullmatch(params.executor):
        problems.append(
            Problem(
                "E519",
                f"{where}.executor",
                f"{params.executor!r} is not an executor URL",
                "Give local, local:N, dask://HOST:PORT or dask-local:N, e.g. local:2.",
            )
        )
    return problems


@dataclass(frozen=True, slots=True)
class SolveParams:
    """How to solve.

    Parameters
    ----------
    time_limit_s
        Wall-clock limit for the whole solve (model building included), seconds.
    solution_limit
        Stop after this many improving solutions; makes tests deterministic. Default: none.
    first_solution
        OR-Tools first-solution strategy name.
    metaheuristic
        OR-Tools local-search metaheuristic name.
    seed
        0 keeps the scenario's request order; any other value permutes the order in
        which requests enter the model, which changes OR-Tools' (otherwise
        deterministic) search trajectory. Same seed and solution limit, same plan.
    objective
        ``cost`` or ``distance`` (see ``OBJECTIVES``).
    log_search
        Let the backend log its search to stderr.
    backend
        ``auto``, ``ortools`` or ``pyvrp`` (see ``BACKENDS``).
    workers
        Independent searches run in parallel processes with seeds ``seed, seed+1, …``;
        the best plan wins. Default 1.
    implied_windows
        Tighten windows by ride limits, direct times and shifts before searching (cuts no
        feasible plan): in the OR-Tools model, the hybrid's relaxation and its insertion (and so
        its ruin-and-recreate search). PyVRP, on the problems it expresses in full, has no ride
        limits to imply windows from and takes the windows as given. False reproduces the plain
        OR-Tools model.
    pipeline
        Stage order and time shares (``Pipeline``).
    decompose
        Split a large day into sub-problems solved in parallel, then improve across their seams
        (``routing.solve.decompose``): ``off`` (default; also ``false``, as YAML reads ``off``), ``auto`` (above
        ``pipeline.decompose_min_requests`` requests, parts of about ``pipeline.decompose_part_requests``)
        or a number of parts from 2 to ``MAX_PARTS``.
    executor
        Where the sub-problems of a decomposition run (``routing.run.open_executor``): ``local``,
        ``local:N``, ``dask://HOST:PORT`` or ``dask-local:N``.
    """

    time_limit_s: float = 10.0
    solution_limit: int | None = None
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    seed: int = 0
    objective: str = "cost"
    log_search: bool = False
    backend: str = "auto"
    workers: int = 1
    implied_windows: bool = True
    pipeline: Pipeline = field(default_factory=Pipeline)
    decompose: str | int = "off"
    executor: str = "local"

    def __post_init__(self) -> None:
        problems = []
        where = "SolveParams"
        if self.decompose is False:  # YAML reads an unquoted ``off`` as false
            object.__setattr__(self, "decompose", "off")
        if isinstance(self.pipeline, Mapping):
            object.__setattr__(self, "pipeline", Pipeline.from_mapping(self.pipeline))
        problems += self.pipeline.problems(f"{where}.pipeline")
        problems += _counts_in_range(self, where)
        problems += _decompose_problems(self, where)
        if self.first_solution not in FIRST_SOLUTION_STRATEGIES:
            problems.append(
                Problem(
                    "E503",
                    f"{where}.first_solution",
                    f"unknown strategy {self.first_solution!r}",
                    f"Use one of {', '.join(FIRST_SOLUTION_STRATEGIES)}.",
                )
            )
        if self.metaheuristic not in METAHEURISTICS:
            problems.append(
                Problem(
                    "E504",
                    f"{where}.metaheuristic",
                    f"unknown metaheuristic {self.metaheuristic!r}",
                    f"Use one of {', '.join(METAHEURISTICS)}.",
                )
            )
        if self.objective not in OBJECTIVES:
            problems.append(
                Problem(
                    "E505",
                    f"{where}.objective",
                    f"unknown objective {self.objective!r}",
                    f"Use one of {', '.join(OBJECTIVES)}.",
                )
            )
        if self.backend not in BACKENDS:
            problems.append(
                Problem(
                    "E507",
                    f"{where}.backend",
                    f"unknown backend {self.backend!r}",
                    f"Use one of {', '.join(BACKENDS)}.",
                )
            )
        if problems:
            raise ScenarioError(problems)

    def as_dict(self) -> dict[str, object]:
        """Return the settings as plain data (for logs and plan.json): nested dicts, lists for tuples.

        Returns
        -------
        dict[str, object]
            Every setting, JSON-serialisable.
        """
        plain = _plain(dataclasses.asdict(self))
        assert isinstance(plain, dict)
        return plain

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], **overrides: Any) -> SolveParams:
        """Settings from plain data, e.g. a scenario's ``solver`` block.

        Parameters
        ----------
        data
            Field names to values (``pipeline`` may be a mapping); missing fields keep their defaults.
        **overrides
            Fields to set on top of ``data`` (e.g. from the command line).

        Returns
        -------
        SolveParams
            The validated settings.

        Raises
        ------
        ScenarioError
            Listing every bad setting (E501-E523).
        """
        values = {**data, **overrides}
        if isinstance(values.get("pipeline"), Mapping):
            values["pipeline"] = Pipeline.from_mapping(values["pipeline"])
        return cls(**values)

    @classmethod
    def of(cls, scenario: Scenario, **overrides: Any) -> SolveParams:
        """The scenario's own solver settings (``Scenario.solver``), with ``overrides``.

        Parameters
        ----------
        scenario
            The scenario (its ``solver`` block, validated at load).
        **overrides
            Fields to set on top of the scenario's settings.

        Returns
        -------
        SolveParams
            The validated settings.
        """
        return cls.from_mapping(scenario.solver, **overrides)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
