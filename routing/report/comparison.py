"""Write a scenario comparison: tables, workbook and charts, each file atomically."""

from __future__ import annotations

import io
from pathlib import Path

from routing.files import write_atomic, write_atomic_bytes
from routing.report.comparison_charts import plot_co2_per_scenario, plot_cost_per_area
from routing.report.comparison_tables import comparison_csv, comparison_markdown, parameters_csv
from routing.report.comparison_xlsx import comparison_xlsx
from routing.studies.comparison import ScenarioResult, areas_of

CHART_DPI = 120


def _charts(results: list[ScenarioResult]) -> dict[str, bytes]:
    """The PNG charts by file name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = {}
    for name, size, plot in (
        ("cost_per_area.png", (max(8, len(areas_of(results)) * 0.9), 5), plot_cost_per_area),
        ("co2_per_scenario.png", (max(6, len(results) * 1.6), 4), plot_co2_per_scenario),
    ):
        fig, ax = plt.subplots(figsize=size)
        plot(results, ax)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=CHART_DPI)
        plt.close(fig)
        out[name] = buf.getvalue()
    return out


def write_comparison(out: str | Path, results: list[ScenarioResult], command: str) -> list[Path]:
    """Write comparison.csv, comparison.md, comparison.xlsx, parameters.csv and the PNG charts, each atomically.

    Parameters
    ----------
    out
        The folder (made if missing).
    results
        Evaluated scenarios (``routing.studies.comparison.evaluate``); savings are against the first.
    command
        The command line that made them, quoted in ``comparison.md``.

    Returns
    -------
    list
        The files written.
    """
    out = Path(out)
    md = comparison_markdown(results, command)
    files: dict[str, str | bytes] = {
        "comparison.csv": comparison_csv(results),
        "comparison.md": md,
        "comparison.xlsx": comparison_xlsx(results),
        "parameters.csv": parameters_csv(results),
        **_charts(results),
    }
    written = []
    for name, content in files.items():
        if isinstance(content, str):
            write_atomic(out / name, content)
        else:
            write_atomic_bytes(out / name, content)
        written.append(out / name)
    return written
