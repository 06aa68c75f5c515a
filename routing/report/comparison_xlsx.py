"""The analyst's comparison workbook (``comparison.xlsx``): the long table, one sheet per scenario, the parameters."""

from __future__ import annotations

import csv
import io

from routing.costing.plan_cost import Figures
from routing.model import CHANNELS, TOTAL_AREA
from routing.report.comparison_tables import CSV_COLUMNS, comparison_rows, parameters_csv
from routing.studies.comparison import ScenarioResult, areas_of


def comparison_xlsx(results: list[ScenarioResult]) -> bytes:
    """An analyst workbook: the long table, one sheet per scenario's area x channel costs, and the parameters.

    Parameters
    ----------
    results
        Evaluated scenarios; savings are against the first.

    Returns
    -------
    bytes
        The ``.xlsx`` file's content.
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "comparison"
    ws.append(list(CSV_COLUMNS))
    for row in comparison_rows(results):
        ws.append([row[c] for c in CSV_COLUMNS])
    for res in results:
        sheet = wb.create_sheet(res.name[:31].replace("/", "-").replace(":", "-"))
        sheet.append(["area", *CHANNELS, "all"])
        rows: list[str] = [*areas_of([res]), TOTAL_AREA]
        for a in rows:
            sheet.append([a, *(round(res.figures.get((a, ch), Figures()).cost_dkk, 2) for ch in (*CHANNELS, "all"))])
    params = wb.create_sheet("parameters")
    for line in csv.reader(io.StringIO(parameters_csv(results))):
        params.append(line)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
