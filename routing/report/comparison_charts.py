"""Comparison charts: cost per area stacked by channel, and CO2 per scenario.

Each plot function draws finished figures of ``routing.studies.comparison`` on a matplotlib
``Axes`` (a new one if none is given) and returns nothing, as PyVRP's plotting does; the writer
(``routing.report.comparison.write_comparison``) makes the figures and files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from routing.costing.plan_cost import Figures
from routing.model import CHANNELS
from routing.studies.comparison import ScenarioResult, areas_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CHANNEL_COLOURS = dict(zip(CHANNELS, ("#1f77b4", "#ff7f0e", "#9467bd", "#d62728", "#2ca02c", "#8c564b")))


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots()
    return new


def plot_cost_per_area(results: list[ScenarioResult], ax: Axes | None = None) -> None:
    """Cost per befordringsområde, one bar per scenario and area, stacked by channel (mio kr. a year).

    Parameters
    ----------
    results
        Evaluated scenarios (bars left to right in this order).
    ax
        Axes to draw on; default a new figure's.
    """
    ax = _axes(ax)
    areas = areas_of(results)
    width = 0.8 / max(1, len(results))
    for k, res in enumerate(results):
        bottom = [0.0] * len(areas)
        for ch in CHANNELS:
            values = [res.figures.get((a, ch), Figures()).cost_dkk / 1e6 for a in areas]
            ax.bar(
                [i + k * width for i in range(len(areas))],
                values,
                width,
                bottom=bottom,
                color=CHANNEL_COLOURS[ch],
                label=ch if k == 0 else None,
                edgecolor="white",
                linewidth=0.3,
            )
            bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_xticks([i + width * (len(results) - 1) / 2 for i in range(len(areas))], [str(a) for a in areas])
    ax.set_xlabel("befordringsområde (bars left to right: " + ", ".join(r.name for r in results) + ")", fontsize=8)
    ax.set_ylabel("mio kr. / year")
    ax.set_title("Cost per area, stacked by channel")
    ax.legend(fontsize=8)


def plot_co2_per_scenario(results: list[ScenarioResult], ax: Axes | None = None) -> None:
    """CO2 per scenario, tonnes a year.

    Parameters
    ----------
    results
        Evaluated scenarios.
    ax
        Axes to draw on; default a new figure's.
    """
    ax = _axes(ax)
    ax.bar([r.name for r in results], [r.total.co2_kg / 1000 for r in results], color="#2ca02c")
    ax.set_ylabel("t CO2e / year")
    ax.set_title("CO2 per scenario")
    for label in ax.get_xticklabels():
        label.set_rotation(20)
        label.set_horizontalalignment("right")
        label.set_fontsize(8)
