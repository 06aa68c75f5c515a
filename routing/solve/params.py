"""Solver settings (``SolveParams``): everything that steers a solve, logged with its result."""

from __future__ import annotations

from dataclasses import dataclass

from routing.exceptions import Problem, ScenarioError

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
        Tighten windows by ride limits, direct times and shifts before searching
        (cuts no feasible plan). False reproduces the plain OR-Tools model.
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

    def __post_init__(self) -> None:
        problems = []
        where = "SolveParams"
        if not self.time_limit_s > 0:
            problems.append(
                Problem(
                    "E501",
                    f"{where}.time_limit_s",
                    f"{self.time_limit_s!r} is not positive",
                    "Give a time limit in seconds above 0.",
                )
            )
        if self.solution_limit is not None and self.solution_limit < 1:
            problems.append(
                Problem(
                    "E502",
                    f"{where}.solution_limit",
                    f"{self.solution_limit!r} is below 1",
                    "Give a whole number from 1, or leave it out.",
                )
            )
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
        if self.workers < 1:
            problems.append(
                Problem("E508", f"{where}.workers", f"{self.workers!r} is below 1", "Give 1 or more parallel searches.")
            )
        if self.seed < 0:
            problems.append(Problem("E506", f"{where}.seed", f"{self.seed!r} is negative", "Give a seed of 0 or more."))
        if problems:
            raise ScenarioError(problems)

    def as_dict(self) -> dict[str, object]:
        """Return the settings as a plain dict (for logs and plan.json)."""
        return {name: getattr(self, name) for name in self.__slots__}  # type: ignore[attr-defined]
