"""Write a sensitivity study (``routing.studies.sensitivity.analyse``): tables, JSON, tornado and break-even charts.

Files, each written atomically: ``sensitivity.md`` (per compared scenario: the centre saving, its
spread over the seeds, each parameter's saving at its low and high value and whether that swing is
larger than the seeds' spread; the break-even), ``sensitivity.json`` (the same figures,
``routing.sensitivity/1``), ``tornado.png`` and ``break_even.png``.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from routing.files import write_atomic, write_atomic_bytes
from routing.studies.sensitivity import BreakEvenResult, SavingRange, SensitivityResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SCHEMA = "routing.sensitivity/1"
CHART_DPI = 110


def _mio(dkk: float) -> str:
    return f"{dkk / 1e6:+.2f}"


def _tag(source: str) -> str:
    """A source's tag alone (``assumption``, ``sourced``, ``derived``, ``scenario …``), without its reasons."""
    return source.split(" (", 1)[0].split(";", 1)[0]


def _values(values: tuple[float, ...]) -> str:
    return "/".join(f"{v:g}" for v in values)


def range_text(r: SavingRange) -> str:
    """A saving as a range with its main driver, e.g. ``+2.12 (+1.10 … +3.05; driver flexkommune_per_trip)``."""
    driver = r.main_driver
    named = f"; main driver {driver.parameter}" if driver is not None else ""
    return f"{_mio(r.centre)} mio kr. ({_mio(r.low)} … {_mio(r.high)}{named})"


def sensitivity_markdown(result: SensitivityResult, title: str) -> str:
    """The study as Markdown: a table per compared scenario and the break-even.

    Parameters
    ----------
    result
        The analysed study.
    title
        The heading.

    Returns
    -------
    str
        Savings in mio kr. per year (base cost minus scenario cost).
    """
    pct = round(result.change * 100)
    lines = [
        f"# {title}",
        "",
        f"Savings against {result.base} in mio kr. per year, planned on {', '.join(result.days)} and scaled to a year; "
        f"each assumed parameter set to its value × (1 ± {result.change:g}) in every scenario, one at a time.",
        "",
    ]
    for r in result.ranges:
        spread = f"{_mio(min(r.seed_savings))} … {_mio(max(r.seed_savings))}"
        lines += [
            f"## {r.scenario}: {range_text(r)}",
            "",
            f"Centre {_mio(r.centre)}; over {len(r.seed_savings)} seeds {spread} (spread {r.seed_spread / 1e6:.2f}).",
            "",
            f"| parameter | source | low (−{pct} %) | high (+{pct} %) | saving at low | saving at high | swing | "
            "beyond seed noise |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for s in sorted(r.swings, key=lambda s: -s.swing):
            noise = "no (within the seeds' spread)" if r.within_noise(s) else "yes"
            lines.append(
                f"| {s.parameter} | {_tag(s.source)} | {_values(s.low_values)} | {_values(s.high_values)} | "
                f"{_mio(s.saving_low)} | {_mio(s.saving_high)} | {s.swing / 1e6:.2f} | {noise} |"
            )
        lines.append("")
    if result.break_even is not None:
        lines += break_even_lines(result.break_even)
    return "\n".join(lines) + "\n"


def break_even_text(be: BreakEvenResult) -> str:
    """One sentence: on which side of which value the scenario pays, and the mean trip price there."""
    key = be.path.rsplit(".", 1)[-1]
    if be.value is None:
        return f"{be.scenario}'s saving does not depend on {key}: no break-even."
    rising = be.savings[-1] > be.savings[0]
    side = "above" if rising else "below"
    where = "extrapolated on the fitted line" if be.extrapolated else "between two planned values"
    text = f"{be.scenario} saves money while {key} is {side} {be.value:.1f} ({where}; today {be.centre_value:g})"
    if be.mean_trip_price is not None and be.mean_trip_price_centre is not None:
        text += (
            f", i.e. while the base's mean invoice per trip of that channel is {side} {be.mean_trip_price:.0f} kr. "
            f"(today {be.mean_trip_price_centre:.0f} kr.)"
        )
    return text + "."


def break_even_lines(be: BreakEvenResult) -> list[str]:
    """The break-even section: the sentence and the saving at each planned value."""
    key = be.path.rsplit(".", 1)[-1]
    lines = [f"## Break-even: {be.scenario} against {be.path}", "", break_even_text(be), ""]
    lines += [f"| {key} | saving mio kr./year |", "|---|---|"]
    lines += [f"| {v:g} | {_mio(s)} |" for v, s in zip(be.values, be.savings, strict=True)]
    return [*lines, ""]


def sensitivity_json(result: SensitivityResult) -> str:
    """The study's figures as JSON (``routing.sensitivity/1``), savings in kr. per year."""
    data: dict[str, Any] = {"schema": SCHEMA, **asdict(result)}
    for r, out in zip(result.ranges, data["ranges"], strict=True):
        driver = r.main_driver
        out.update(
            low=r.low,
            high=r.high,
            seed_spread=r.seed_spread,
            main_driver=None if driver is None else driver.parameter,
            text=range_text(r),
        )
        for s, row in zip(r.swings, out["swings"], strict=True):
            row.update(swing=s.swing, beyond_seed_noise=not r.within_noise(s))
    if result.break_even is not None:
        data["break_even"]["text"] = break_even_text(result.break_even)
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def plot_tornado(r: SavingRange, change: float, ax: Axes) -> None:
    """One scenario's tornado: per parameter a bar from the centre to its low and one to its high saving.

    The widest swing is on top; the seeds' spread is shaded, the centre and zero are lines.
    """
    from matplotlib.patches import Patch

    swings = sorted(r.swings, key=lambda s: s.swing)
    pct = round(change * 100)
    low, high = "#1f77b4", "#d62728"
    ax.axvspan(min(r.seed_savings) / 1e6, max(r.seed_savings) / 1e6, color="0.88")
    for y, s in enumerate(swings):
        ax.barh(y - 0.18, (s.saving_low - r.centre) / 1e6, left=r.centre / 1e6, color=low, height=0.34)
        ax.barh(y + 0.18, (s.saving_high - r.centre) / 1e6, left=r.centre / 1e6, color=high, height=0.34)
    ax.axvline(r.centre / 1e6, color="black", linewidth=0.8)
    ax.axvline(0.0, color="0.4", linewidth=0.6, linestyle=":")
    ax.set_yticks(list(range(len(swings))), [s.parameter for s in swings], fontsize=8)
    ax.set_xlabel("saving, mio kr. per year", fontsize=8)
    ax.set_title(f"{r.scenario}: {_mio(r.centre)} mio kr.", fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    handles = [
        Patch(color=low, label=f"parameter −{pct} %"),
        Patch(color=high, label=f"parameter +{pct} %"),
        Patch(color="0.88", label=f"spread over {len(r.seed_savings)} seeds"),
    ]
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)


def plot_break_even(be: BreakEvenResult, ax: Axes) -> None:
    """The saving against the parameter's value, with the zero line and the break-even marked."""
    key = be.path.rsplit(".", 1)[-1]
    ax.plot(be.values, [s / 1e6 for s in be.savings], marker="o", color="#1f77b4", label=be.scenario)
    ax.axhline(0.0, color="0.4", linewidth=0.8)
    ax.axvline(be.centre_value, color="0.6", linestyle="--", linewidth=0.8, label=f"today ({be.centre_value:g})")
    if be.value is not None:
        if be.extrapolated:
            end = 0 if abs(be.values[0] - be.value) < abs(be.values[-1] - be.value) else -1
            ax.plot([be.values[end], be.value], [be.savings[end] / 1e6, 0.0], linestyle=":", color="#1f77b4")
        label = f"break-even {be.value:.0f}" + (" (extrapolated)" if be.extrapolated else "")
        ax.plot([be.value], [0.0], marker="x", color="#d62728", markersize=9, linestyle="none", label=label)
    ax.set_xlabel(f"{key} (kr.)", fontsize=8)
    ax.set_ylabel("saving, mio kr. per year", fontsize=8)
    ax.legend(fontsize=7)


def _png(draw: Any, panels: int, size: tuple[float, float]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, panels, figsize=size, squeeze=False)
    for i, ax in enumerate(axes[0]):
        draw(i, ax)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=CHART_DPI)
    plt.close(fig)
    return buf.getvalue()


def write_sensitivity(out: str | Path, result: SensitivityResult, title: str) -> list[Path]:
    """Write ``sensitivity.md``, ``sensitivity.json``, ``tornado.png`` and ``break_even.png`` into ``out``.

    Parameters
    ----------
    out
        The sweep's folder.
    result
        The analysed study.
    title
        The Markdown heading.

    Returns
    -------
    list[Path]
        The files written.
    """
    out = Path(out)
    files: dict[str, str | bytes] = {
        "sensitivity.md": sensitivity_markdown(result, title),
        "sensitivity.json": sensitivity_json(result),
    }
    if result.ranges:
        ranges = result.ranges
        files["tornado.png"] = _png(
            lambda i, ax: plot_tornado(ranges[i], result.change, ax), len(ranges), (4.8 * len(ranges), 3.9)
        )
    be = result.break_even
    if be is not None:
        files["break_even.png"] = _png(lambda i, ax: plot_break_even(be, ax), 1, (5.0, 3.4))
    for name, content in files.items():
        if isinstance(content, str):
            write_atomic(out / name, content)
        else:
            write_atomic_bytes(out / name, content)
    return [out / name for name in files]
