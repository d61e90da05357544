"""The progress chart: a member's cumulative completion per session against the cohort's
median and the certificate threshold. matplotlib is imported only here, when a chart is
drawn (it pulls in numpy, which the chat process otherwise never loads)."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from typing import Any

from handlers.progress._pdf import FALLBACK_FONTS

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 100  # an 800 × 450 PNG


def progress_chart(
    sessions: Sequence[int],
    mine: Sequence[float],
    median: Sequence[float],
    assigned: Sequence[float],
    threshold: float,
    title: str,
) -> bytes:
    """A PNG of the curves (shares from 0 to 1), 800 × 450 pixels; `assigned` (the work
    belonging to the sessions so far) is shaded behind them."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # the object API: no pyplot state, thread-safe

    with matplotlib.rc_context({"font.family": _families()}):  # names in any script
        return _draw(Figure, sessions, mine, median, assigned, threshold, title)


@functools.cache
def _families() -> list[str]:
    """DejaVu Sans, then the certificate's fallback fonts (CJK, emoji) where installed:
    matplotlib takes each glyph from the first family that has it."""
    from matplotlib import font_manager

    names = ["DejaVu Sans"]
    for path in FALLBACK_FONTS:
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            names.append(font_manager.FontProperties(fname=str(path)).get_name())
    return names


def _draw(
    figure_class: Any,  # matplotlib's Figure, imported lazily
    sessions: Sequence[int],
    mine: Sequence[float],
    median: Sequence[float],
    assigned: Sequence[float],
    threshold: float,
    title: str,
) -> bytes:
    figure = figure_class(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    axes = figure.add_subplot()
    xs = list(sessions)
    axes.bar(xs, [100 * v for v in assigned], color="0.9", width=0.8, label="assigned up to here")
    axes.plot(xs, [100 * v for v in mine], marker="o", linewidth=2.5, label="you")
    axes.plot(xs, [100 * v for v in median], marker=".", linestyle="--", label="cohort median")
    axes.axhline(100 * threshold, color="tab:red", linewidth=1, label="certificate")
    axes.set_ylim(0, 105)
    axes.set_xlim(min(xs, default=1) - 0.5, max(xs, default=1) + 0.5)
    if len(xs) <= 20:
        axes.set_xticks(xs)
    axes.set_xlabel("session")
    axes.set_ylabel("required work done (%)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
