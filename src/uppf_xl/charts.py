"""Charts for the nämnd report as PNG (matplotlib, Agg): follow-ups per month, findings by
category, and the årshjul, the circular year wheel of the follow-up plan.

Every chart comes with a Swedish alternative text that states the figures it shows, so a
reader with a screen reader gets the same information as one who sees the picture.

Example:
    >>> c = year_wheel({"Kvalitetsuppföljning": [0, 2, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0]}, 2025,
    ...                Path("ut/arshjul.png"))                                   # doctest: +SKIP
    >>> c.alt[:38]                                                            # doctest: +SKIP
    'Årshjul 2025: planerade uppföljningar'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch, Wedge  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from uppf_xl.dates import swedish_month  # noqa: E402

# Carlito and Liberation Sans are metric-compatible with Calibri and Arial (see TECH.md).
FONTS = ["Carlito", "Liberation Sans", "DejaVu Sans"]
# Okabe-Ito, then Paul Tol's muted scheme: told apart also with colour-vision deficiency;
# fourteen colours before one repeats (a municipality rarely has more types than that).
PALETTE = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
    "#332288", "#88CCEE", "#117733", "#882255", "#DDCC77", "#44AA99", "#999999",
]  # fmt: skip
EMPTY = "#EEEEEE"
DPI = 200
MONTH_ABBR = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


@dataclass
class Chart:
    """A chart written to disk: the PNG (and more formats), its alt text and caption."""

    path: Path
    alt: str
    caption: str
    extra: list[Path] = field(default_factory=list)  # e.g. the SVG of the year wheel


def _style() -> Any:  # matplotlib types the keys as a Literal of every rc name
    return {
        "font.family": "sans-serif",
        "font.sans-serif": FONTS,
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "none",  # text stays text in the SVG
        "svg.hashsalt": "uppf-xl",  # stable ids: the same data gives the same file
    }


def _save(fig: Figure, path: Path, svg: bool = False) -> list[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    out = [path]
    if svg:
        svg_path = path.with_suffix(".svg")
        fig.savefig(svg_path, bbox_inches="tight", metadata={"Date": None, "Creator": None})
        out.append(svg_path)
    plt.close(fig)
    return out


def _month_list(values: list[int], months: list[int]) -> str:
    return ", ".join(f"{swedish_month(m)} {v}" for m, v in zip(months, values))


def monthly_chart(months: list[int], planned: list[int], done: list[int], year: int, path: Path) -> Chart:
    """Grouped columns: planned and done follow-ups per month of the period."""
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7.0, 3.4))
        x = list(range(len(months)))
        width = 0.4
        bars_p = ax.bar([i - width / 2 for i in x], planned, width, label="Planerade", color="#A6CEE3")
        bars_d = ax.bar([i + width / 2 for i in x], done, width, label="Genomförda", color=PALETTE[0])
        for bars, values in ((bars_p, planned), (bars_d, done)):
            ax.bar_label(bars, labels=[str(v) if v else "" for v in values], fontsize=8, padding=1)
        ax.set_xticks(x, [MONTH_ABBR[m - 1] for m in months])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("Antal uppföljningar")
        ax.set_title(f"Planerade och genomförda uppföljningar per månad {year}", fontsize=11)
        ax.set_ylim(0, max([*planned, *done, 1]) * 1.3 + 0.2)  # room for the legend above the bars
        ax.legend(frameon=False, ncols=2, loc="upper left")
        _save(fig, path)
    alt = (
        f"Stapeldiagram över planerade och genomförda uppföljningar per månad {year}. "
        f"Planerade: {_month_list(planned, months)}. Genomförda: {_month_list(done, months)}."
    )
    return Chart(path, alt, f"Planerade och genomförda uppföljningar per månad {year}")


def category_chart(categories: dict[str, int], period_label: str, path: Path) -> Chart:
    """Horizontal bars: findings of the period by Kategori."""
    labels = list(categories)
    values = [categories[k] for k in labels]
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7.0, 0.45 * len(labels) + 1.2))
        bars = ax.barh(labels[::-1], values[::-1], color=PALETTE[2])
        ax.bar_label(bars, labels=[str(v) for v in values[::-1]], fontsize=9, padding=2)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Antal iakttagelser")
        ax.set_title(f"Iakttagelser per kategori, {period_label}", fontsize=11)
        _save(fig, path)
    listed = ", ".join(f"{k} {v}" for k, v in categories.items())
    alt = f"Liggande stapeldiagram över iakttagelser per kategori, {period_label}: {listed}."
    return Chart(path, alt, f"Iakttagelser per kategori, {period_label}")


def _text_colour(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


def year_wheel(wheel: dict[str, list[int]], year: int, path: Path, *, subtitle: str = "", svg: bool = True,
               members: dict[str, list[str]] | None = None, tertial_ends: tuple[int, int] = (4, 8)) -> Chart:
    """The årshjul: 12 months clockwise from January at the top, one ring per kind of follow-up.

    `wheel` maps a ring's name to the follow-ups planned per month (at most six rings read
    well; see uppf_xl.wheel for the grouping by kind); `members` names the types in each ring
    for the legend. A segment is coloured when something is planned that month, with the
    number written in it. Heavy spokes after the months in `tertial_ends` (and at January)
    mark the tertial boundaries, labelled T1, T2 and T3.
    """
    rings = list(wheel)
    members = members or {}
    inner, outer = 0.30, 1.0
    ring = (outer - inner) / max(len(rings), 1)
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(9.2, 6.6))
        ax.set_aspect("equal")
        ax.axis("off")
        for i, name in enumerate(rings):
            colour = PALETTE[i % len(PALETTE)]
            r_out = inner + (i + 1) * ring
            for m, count in enumerate(wheel[name]):
                theta1, theta2 = 90 - (m + 1) * 30, 90 - m * 30
                ax.add_patch(
                    Wedge((0, 0), r_out, theta1, theta2, width=ring, facecolor=colour if count else EMPTY,
                          edgecolor="white", linewidth=1.2)
                )  # fmt: skip
                if count:
                    mid = math.radians((theta1 + theta2) / 2)
                    r_mid = r_out - ring / 2
                    ax.text(r_mid * math.cos(mid), r_mid * math.sin(mid), str(count), ha="center", va="center",
                            fontsize=max(7.0, min(11.0, 45 * ring)), color=_text_colour(colour),
                            fontweight="bold")  # fmt: skip
        for m in range(12):
            mid = math.radians(90 - m * 30 - 15)
            ax.text(1.13 * math.cos(mid), 1.13 * math.sin(mid), swedish_month(m + 1), ha="center",
                    va="center", fontsize=10, rotation=_tangent(90 - m * 30 - 15), rotation_mode="anchor")  # fmt: skip
        boundaries = (0, *tertial_ends)
        for boundary in boundaries:
            angle = math.radians(90 - boundary * 30)
            ax.plot([inner * math.cos(angle), 1.24 * math.cos(angle)], [inner * math.sin(angle), 1.24 * math.sin(angle)],
                    color="#333333", linewidth=2.2)  # fmt: skip
        spans = list(zip(boundaries, (*tertial_ends, 12)))
        for k, (a, b) in enumerate(spans, start=1):
            mid = math.radians(90 - (a + b) / 2 * 30)
            ax.text(1.34 * math.cos(mid), 1.34 * math.sin(mid), f"T{k}", ha="center", va="center", fontsize=12,
                    fontweight="bold", color="#333333")  # fmt: skip
        ax.text(0, 0.05, str(year), ha="center", va="center", fontsize=22, fontweight="bold")
        ax.text(0, -0.11, "Årshjul", ha="center", va="center", fontsize=11)
        ax.set_xlim(-1.45, 1.45)
        ax.set_ylim(-1.45, 1.45)
        handles = []
        for i, name in enumerate(rings):
            listed = members.get(name, [])
            label = name + (f"\n({_wrap(', '.join(listed))})" if listed and listed != [name] else "")
            handles.append(Patch(facecolor=PALETTE[i % len(PALETTE)], label=label))
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False,
                  title="Ringar inifrån och ut", alignment="left", fontsize=9, labelspacing=1.0)  # fmt: skip
        title = f"Årshjul {year}: planerade uppföljningar per månad"
        fig.suptitle(title + (f"\n{subtitle}" if subtitle else ""), fontsize=12)
        written = _save(fig, path, svg=svg)
    parts = []
    for name in rings:
        months = [f"{swedish_month(m + 1)} {n}" for m, n in enumerate(wheel[name]) if n]
        parts.append(f"{name}: {', '.join(months) if months else 'inga'}")
    alt = (
        f"Årshjul {year}: planerade uppföljningar per månad, ett cirkeldiagram med månaderna medurs "
        f"från januari, tertialgränserna markerade och en ring per slag av uppföljning. "
        + ("; ".join(parts) + "." if parts else "Inga uppföljningar.")
    )
    return Chart(written[0], alt, f"Årshjul {year}" + (f", {subtitle}" if subtitle else ""), written[1:])


def _tangent(angle_deg: float) -> float:
    """Text rotation along the circle at `angle_deg`, kept upright."""
    rot = angle_deg - 90
    while rot < -90:
        rot += 180
    while rot > 90:
        rot -= 180
    return rot


def _wrap(text: str, width: int = 34) -> str:
    words, lines, line = text.split(" "), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines)


def trend_chart(years: list[int], panels: dict[str, list[float | None]], path: Path, *, subtitle: str = "",
                percent: tuple[str, ...] = ()) -> Chart:
    """Small multiples: one panel of columns per measure over the years compared.

    `panels` maps a measure's name to one value per year (None: no data that year, left
    empty and said so in the alt text); the names in `percent` are shares shown as per cent.
    """
    names = list(panels)
    cols = 3 if len(names) > 4 else (2 if len(names) > 1 else 1)
    rows = math.ceil(len(names) / cols) or 1
    with plt.rc_context(_style()):
        fig, axes = plt.subplots(rows, cols, figsize=(7.6, 2.6 * rows), squeeze=False)
        for k, ax in enumerate(axes.flat):
            if k >= len(names):
                ax.axis("off")
                continue
            name = names[k]
            values = [(100 * v if name in percent else v) if v is not None else None for v in panels[name]]
            heights = [v if v is not None else 0 for v in values]
            bars = ax.bar([str(y) for y in years], heights, color=[PALETTE[0] if i == len(years) - 1 else "#A6CEE3"
                                                                     for i in range(len(years))])  # fmt: skip
            labels = ["–" if v is None else (f"{v:.0f} %" if name in percent else f"{v:.2f}".rstrip("0").rstrip(".").replace(".", ","))
                      for v in values]  # fmt: skip
            ax.bar_label(bars, labels=labels, fontsize=8, padding=1)
            ax.set_title(_wrap(name, 24), fontsize=9)
            top = max(heights) or 1.0
            ax.set_ylim(0, 115 if name in percent else top * 1.3)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}".replace(".", ",")))
            ax.tick_params(axis="both", labelsize=8)
        fig.suptitle("Förändring över tid" + (f" – {subtitle}" if subtitle else ""), fontsize=11)
        fig.tight_layout()
        _save(fig, path)
    parts = []
    for name in names:
        shown = []
        for y, v in zip(years, panels[name]):
            if v is None:
                shown.append(f"{y} saknas")
            elif name in percent:
                shown.append(f"{y} {100 * v:.0f} procent")
            else:
                shown.append(f"{y} {v:g}".replace(".", ","))
        parts.append(f"{name}: {', '.join(shown)}")
    alt = (f"Stapeldiagram i {len(names)} delar över förändringen {years[0]}–{years[-1]}"
           + (f" för {subtitle}" if subtitle else "") + ". " + "; ".join(parts) + ".")
    return Chart(path, alt, f"Förändring över tid {years[0]}–{years[-1]}" + (f", {subtitle}" if subtitle else ""))
