"""Attainment charts sent as Telegram photos: PNG bar charts of CO levels and of PO/PSO values.

Drawn with matplotlib's Agg renderer through the object API (a ``Figure`` of its own, no pyplot and no
change to the global ``rcParams``), so several worker threads may draw at once. Every text uses the
DejaVu Sans files bundled with matplotlib, so the output does not depend on the fonts of the machine,
and the same result gives the same bytes. Labels are ASCII English (the bundled fonts have no
Devanagari); the caption of the photo carries the reader's language. 800 × 500 pixels with large
type reads well on a phone and stays a small file.
"""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from domain.attainment import COMPONENTS, PCT_PLACES, AttainmentResult, q

WIDTH_PX, HEIGHT_PX, DPI = 800, 500, 100
MAX_LEVEL = 3
TITLE_CHARS = 60  # at 13 pt bold, what 800 pixels hold

_CIE_COLOUR = "#9ecae1"
_SEE_COLOUR = "#4292c6"
_MET_COLOUR = "#2e7d32"
_BELOW_COLOUR = "#ef6c00"
_PO_COLOUR = "#3949ab"
_PSO_COLOUR = "#8e24aa"
_GREY = "#9e9e9e"
_LIGHT_GREY = "#eeeeee"
_TARGET_COLOUR = "#c62828"
_COMPONENT_COLOURS = {"CIE": _CIE_COLOUR, "SEE": _SEE_COLOUR}


def co_levels_png(result: AttainmentResult, *, title: str) -> bytes:
    """Per CO: the CIE and SEE levels and the final attainment (direct when there is no survey), 0–3.

    The final bar is green at or above ``params.target_level`` and orange below; a dashed line marks the
    target. A CO without marks has no bars and says "not assessed".
    """
    fig, ax = _figure(title, right=0.905)
    cos = result.cos
    components = [c for c in COMPONENTS if any(c in co.components for co in cos)]
    components += sorted({c for co in cos for c in co.components} - set(components))
    slots = len(components) + 1
    width = 0.8 / slots
    many = len(cos) > 12
    value_size = 9 if many else 11
    target = float(result.params.target_level)
    for i, co in enumerate(cos):
        if co.final is None:
            ax.text(i, 0.08, "not assessed", rotation=90, ha="center", va="bottom", color=_GREY,
                    fontproperties=_font(10 if many else 12))
            continue
        for j, comp in enumerate(components):
            part = co.components.get(comp)
            if part is None:
                continue
            x = i - 0.4 + width * (j + 0.5)
            ax.bar(x, part.level, width * 0.92, color=_COMPONENT_COLOURS.get(comp, _GREY), zorder=2)
            if not many:
                ax.text(x, part.level + 0.04, str(part.level), ha="center", va="bottom",
                        fontproperties=_font(value_size), color="#424242")
        x = i - 0.4 + width * (slots - 0.5)
        final = float(co.final)
        colour = _MET_COLOUR if co.final >= result.params.target_level else _BELOW_COLOUR
        ax.bar(x, final, width * 0.92, color=colour, zorder=2)
        ax.text(x, final + 0.04, _two(co.final), ha="center", va="bottom", fontproperties=_font(value_size, bold=True),
                rotation=90 if many else 0)
    ax.axhline(target, color=_TARGET_COLOUR, linestyle="--", linewidth=2, zorder=3)
    ax.text(1.01, target, f"target\n{_level(result.params.target_level)}", transform=ax.get_yaxis_transform(),
            ha="left", va="center", color=_TARGET_COLOUR, fontproperties=_font(12, bold=True), clip_on=False)
    _x_axis(ax, [co.code for co in cos], [_GREY if co.final is None else "black" for co in cos])
    _levels_axis(ax)
    handles = [_patch(_COMPONENT_COLOURS.get(c, _GREY), f"{c} level") for c in components]
    handles.append(_patch(_MET_COLOUR, "final (at target)" if result.surveyed else "direct (at target)"))
    handles.append(_patch(_BELOW_COLOUR, "below target"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles), frameon=False,
              prop=_font(11), handlelength=1.2, columnspacing=1.2)
    if not cos:
        ax.text(0.5, 1.5, "no course outcomes", ha="center", va="center", color=_GREY, fontproperties=_font(14))
    return _png(fig)


def po_png(result: AttainmentResult, *, title: str) -> bytes:
    """PO1–PO12 and the PSOs, 0–3; the ones mapped to no CO of the course (or with no data yet) greyed."""
    fig, ax = _figure(title)
    pos = result.pos
    many = len(pos) > 16
    for i, po in enumerate(pos):
        if po.value is None:
            ax.bar(i, MAX_LEVEL, 0.7, color=_LIGHT_GREY, zorder=1)
            ax.text(i, 0.08, "no data" if po.mapped else "not mapped", rotation=90, ha="center", va="bottom",
                    color=_GREY, fontproperties=_font(10 if many else 12))
            continue
        value = float(po.value)
        ax.bar(i, value, 0.7, color=_PSO_COLOUR if po.kind == "PSO" else _PO_COLOUR, zorder=2)
        ax.text(i, value + 0.04, _two(po.value), ha="center", va="bottom", rotation=90 if many else 0,
                fontproperties=_font(9 if many else 11, bold=True))
    _x_axis(ax, [po.code for po in pos], [_GREY if po.value is None else "black" for po in pos])
    _levels_axis(ax)
    handles = [_patch(_PO_COLOUR, "PO"), _patch(_PSO_COLOUR, "PSO"), _patch(_LIGHT_GREY, "not mapped / no data")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False,
              prop=_font(11), handlelength=1.2)
    if not pos:
        ax.text(0.5, 1.5, "no program outcomes", ha="center", va="center", color=_GREY, fontproperties=_font(14))
    return _png(fig)


# ---- drawing helpers -----------------------------------------------------------------------------


@cache
def _font_file(bold: bool) -> str:
    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)


@cache
def _font(size: float, bold: bool = False) -> Any:
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=_font_file(bold), size=size)


@cache
def _glyphs() -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(_font_file(True)).get_charmap())


def drawable(text: str, limit: int = TITLE_CHARS) -> str:
    """``text`` with only the characters the bundled font can draw (others dropped), on one line."""
    glyphs = _glyphs()
    kept = "".join(ch if ord(ch) in glyphs and unicodedata.category(ch)[0] != "C" else " "
                   for ch in unicodedata.normalize("NFC", text))
    kept = " ".join(kept.split())
    return kept if len(kept) <= limit else kept[: limit - 1].rstrip() + "…"


def _figure(title: str, right: float = 0.98) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    ax = fig.add_axes((0.085, 0.12, right - 0.085, 0.76))
    text = drawable(title)
    fig.text(0.5, 0.955, text, ha="center", va="center", fontproperties=_font(16 if len(text) <= 48 else 13, bold=True),
             parse_math=False)
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _x_axis(ax: Any, labels: list[str], colours: list[str]) -> None:
    size = 13 if len(labels) <= 8 else 11 if len(labels) <= 14 else 9
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([drawable(label, 8) for label in labels], parse_math=False,
                       rotation=90 if len(labels) > 16 else 0)
    for tick, colour in zip(ax.get_xticklabels(), colours, strict=True):
        tick.set_fontproperties(_font(size, bold=True))
        tick.set_color(colour)
    ax.set_xlim(-0.6, max(len(labels), 1) - 0.4)
    ax.tick_params(axis="x", length=0)


def _levels_axis(ax: Any) -> None:
    ax.set_ylim(0, MAX_LEVEL + 0.55)  # room for the legend above level 3
    ax.set_yticks(range(MAX_LEVEL + 1))
    for tick in ax.get_yticklabels():
        tick.set_fontproperties(_font(13))
    ax.set_ylabel("level", fontproperties=_font(13))
    ax.grid(axis="y", color="#e0e0e0", linewidth=1, zorder=0)
    ax.set_axisbelow(True)


def _patch(colour: str, label: str) -> Any:
    from matplotlib.patches import Patch

    return Patch(facecolor=colour, label=label)


def _png(fig: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return out.getvalue()


def _two(value: Decimal) -> str:
    return f"{q(value, PCT_PLACES):f}"


def _level(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
