"""Write a sweep's tables: ``sweep.csv`` (point x area x channel) and ``sweep.md`` (a row per point), atomically."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from routing.files import write_atomic
from routing.model import TOTAL_AREA

#: The figure columns of sweep.csv, after point, scenario, seed, the override keys, area and channel.
FIGURE_COLUMNS = ("cost_dkk", "co2_kg", "vehicle_hours", "km")


def _cell(value: Any) -> str:
    """An override value in a table: scalars as they are, lists and mappings as JSON."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)


def sweep_csv(records: list[dict[str, Any]], keys: tuple[str, ...]) -> str:
    """One row per point, area and channel (roll-ups included: area ``total``, channel ``all``).

    ``scenario`` is the file the point extends (the base, or a compared scenario).

    Parameters
    ----------
    records
        The points' records (``routing.studies.sweep.SweepRun.records``), in the sweep's order.
    keys
        The override paths: one column each (empty where a point does not set it).

    Returns
    -------
    str
        The CSV text; figures per year.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["point", "scenario", "seed", *keys, "area", "channel", *FIGURE_COLUMNS])
    for record in records:
        overrides = [_cell(record["overrides"][k]) if k in record["overrides"] else "" for k in keys]
        for row in record["figures"]:
            area = "" if row["area"] is None else row["area"]
            figures = [f"{row[c]:.2f}" for c in FIGURE_COLUMNS]
            row_head = [record["name"], record["from_scenario"], record["seed"], *overrides]
            writer.writerow([*row_head, area, row["channel"], *figures])
    return buffer.getvalue()


def _total(record: dict[str, Any], name: str) -> float:
    return float(record["total"][name]) if record.get("total") else 0.0


def sweep_markdown(records: list[dict[str, Any]], keys: tuple[str, ...], title: str) -> str:
    """A row per point: its overrides, total cost, saving, CO2, hours, km and wall time.

    Parameters
    ----------
    records
        The points' records, in the sweep's order (the first is the reference).
    keys
        The override paths (one column each).
    title
        The heading.

    Returns
    -------
    str
        The Markdown text; figures per year. The saving is against the first point; in a sweep that
        compares scenarios, against the base's point of the same variant.
    """
    compared = len({r["from_scenario"] for r in records}) > 1
    base = records[0]["from_scenario"] if records else ""
    reference = {r["variant"]: _total(r, "cost_dkk") for r in records if r["from_scenario"] == base}
    saving_head = "saving vs base" if compared else "saving vs first"
    head = ["point", "seed", *keys, "cost kr./year", saving_head, "CO2 t/year", "vehicle hours", "km", "wall s"]
    lines = [f"# {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    first = _total(records[0], "cost_dkk") if records else 0.0
    for record in records:
        cost = _total(record, "cost_dkk")
        against = reference.get(record["variant"], first) if compared else first
        cells = [
            record["name"],
            str(record["seed"]),
            *(_cell(record["overrides"].get(k, "")) for k in keys),
            f"{cost:,.0f}",
            f"{against - cost:,.0f}",
            f"{_total(record, 'co2_kg') / 1000:,.1f}",
            f"{_total(record, 'vehicle_hours'):,.0f}",
            f"{_total(record, 'km'):,.0f}",
            f"{record['wall_time_s']:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    note = (
        "the base's point of the same variant minus the point's cost"
        if compared
        else "the first point's cost minus the point's"
    )
    lines += ["", f"Figures per year (area {TOTAL_AREA!r}, channel 'all'); saving: {note}."]
    return "\n".join(lines) + "\n"


def write_sweep_tables(out: str | Path, records: list[dict[str, Any]], keys: tuple[str, ...], title: str) -> list[Path]:
    """Write ``sweep.csv`` and ``sweep.md`` into ``out``, each atomically; return their paths."""
    out = Path(out)
    write_atomic(out / "sweep.csv", sweep_csv(records, keys))
    write_atomic(out / "sweep.md", sweep_markdown(records, keys, title))
    return [out / "sweep.csv", out / "sweep.md"]
