"""Bar charts (categories side by side) and column charts (periods over time) as inline SVG, drawn
on the server.

No script, no third-party code, no inline style (the CSP forbids it): colours are SVG presentation
attributes. The SVG is one image to assistive technology (``role="img"`` named by its <title> and
<desc>); the figures themselves are in a data table next to it, which is what a screen reader reads.
A suppressed figure gets no bar, only the mark, so it cannot be measured off the picture either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

# The portal's colours (portal.css): the bar is 7.7:1 against the page, well above the 3:1 that
# WCAG 1.4.11 asks of graphics; both text colours pass 4.5:1 for small text (1.4.3).
BAR_COLOUR = "#0b5c55"
TEXT_COLOUR = "#1b1b1b"
MUTED_COLOUR = "#4a4a4a"

WIDTH = 480  # user units: the CSS scales the chart down on narrow screens, text with it (11 px at 390 px)
FONT_SIZE = 14
ROW_HEIGHT = 42  # a label line above each bar: long labels never collide with the bars
LABEL_BASELINE = 15
BAR_TOP = 21
BAR_HEIGHT = 14
FIGURE_BASELINE = BAR_TOP + 12
FIGURE_ROOM = 56  # right of the longest bar, for its figure
GAP = 6


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: suppressed
    text: str | None = None  # the figure as written beside the bar, when not the value itself (25 %)


def _text(x: int, y: int, content: str, colour: str = TEXT_COLOUR) -> Markup:
    return Markup('<text x="{}" y="{}" fill="{}" font-size="{}">{}</text>').format(
        x, y, colour, FONT_SIZE, content
    )


def _bar(top: int, bar: Bar, largest: int, suppressed_mark: str) -> Markup:
    label = _text(0, top + LABEL_BASELINE, bar.label)
    if bar.value is None:
        figure = _text(0, top + FIGURE_BASELINE, suppressed_mark, MUTED_COLOUR)
        return Markup("<g><title>{}: {}</title>{}{}</g>").format(bar.label, suppressed_mark, label, figure)
    length = round(bar.value / largest * (WIDTH - FIGURE_ROOM)) if largest else 0
    length = max(length, 2) if bar.value else 0  # one report is still visible
    rect = (
        Markup('<rect x="0" y="{}" width="{}" height="{}" fill="{}"/>').format(
            top + BAR_TOP, length, BAR_HEIGHT, BAR_COLOUR
        )
        if length
        else Markup()
    )
    shown = bar.text if bar.text is not None else str(bar.value)
    figure = _text(length + GAP if length else 0, top + FIGURE_BASELINE, shown)
    return Markup("<g><title>{}: {}</title>{}{}{}</g>").format(bar.label, shown, label, rect, figure)


def bar_chart(
    chart_id: str, title: str, description: str, bars: Sequence[Bar], suppressed_mark: str
) -> Markup:
    """One bar per entry, top to bottom, scaled to the largest published figure. Markup.format escapes
    every text that goes in."""
    largest = max((bar.value or 0 for bar in bars), default=0)
    height = ROW_HEIGHT * len(bars)
    body = Markup().join(_bar(ROW_HEIGHT * n, bar, largest, suppressed_mark) for n, bar in enumerate(bars))
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{id}-title {id}-desc"'
        ' viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>{body}</svg>'
    ).format(id=chart_id, width=WIDTH, height=height, title=title, description=description, body=body)


# Columns over time (the trend): one column per period, oldest on the left, the period's name
# turned upright under it. The same colours and scaling as the bars above.
PLOT_HEIGHT = 160  # user units for the tallest column
FIGURE_ROOM_ABOVE = 20  # above the tallest column, for its figure
LABEL_ROOM = 64  # under the baseline, for the period names turned upright ("2026-12", "2026 K4")
FIGURES_UP_TO = 18  # more columns than this are too narrow for a figure above each: the table has them


def _column(left: float, width: float, bar: Bar, largest: int, suppressed_mark: str, figures: bool) -> Markup:
    base = FIGURE_ROOM_ABOVE + PLOT_HEIGHT
    middle = left + width / 2
    name = Markup(
        '<text x="{x}" y="{y}" fill="{c}" font-size="{s}" text-anchor="end" transform="rotate(-90 {x} {y})"'
        ' dominant-baseline="middle">{t}</text>'
    ).format(x=round(middle, 1), y=base + 6, c=TEXT_COLOUR, s=FONT_SIZE - 2, t=bar.label)
    if bar.value is None:
        mark = Markup(
            '<text x="{x}" y="{y}" fill="{c}" font-size="{s}" text-anchor="start" transform="rotate(-90 {x} {y})"'
            ' dominant-baseline="middle">{t}</text>'
        ).format(x=round(middle, 1), y=base - 4, c=MUTED_COLOUR, s=FONT_SIZE - 2, t=suppressed_mark)
        return Markup("<g><title>{}: {}</title>{}{}</g>").format(bar.label, suppressed_mark, name, mark)
    height = round(bar.value / largest * PLOT_HEIGHT) if largest else 0
    height = max(height, 2) if bar.value else 0  # one report is still visible
    rect = (
        Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>').format(
            round(left + width * 0.15, 1), base - height, round(width * 0.7, 1), height, BAR_COLOUR
        )
        if height
        else Markup()
    )
    figure = (
        Markup('<text x="{}" y="{}" fill="{}" font-size="{}" text-anchor="middle">{}</text>').format(
            round(middle, 1), base - height - 5, TEXT_COLOUR, FONT_SIZE - 2, bar.value
        )
        if figures
        else Markup()
    )
    return Markup("<g><title>{}: {}</title>{}{}{}</g>").format(bar.label, bar.value, rect, figure, name)


def column_chart(
    chart_id: str, title: str, description: str, bars: Sequence[Bar], suppressed_mark: str
) -> Markup:
    """One column per period, left to right, scaled to the largest published figure: the trend
    over time, where ``bar_chart`` compares categories. ``description`` is the text alternative
    (the figures in words); the page's table has them too."""
    largest = max((bar.value or 0 for bar in bars), default=0)
    width = WIDTH / max(len(bars), 1)
    figures = len(bars) <= FIGURES_UP_TO
    base = FIGURE_ROOM_ABOVE + PLOT_HEIGHT
    height = base + LABEL_ROOM
    axis = Markup('<line x1="0" y1="{y}" x2="{w}" y2="{y}" stroke="{c}" stroke-width="1"/>').format(
        y=base, w=WIDTH, c=MUTED_COLOUR
    )
    body = Markup().join(
        _column(n * width, width, bar, largest, suppressed_mark, figures) for n, bar in enumerate(bars)
    )
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{id}-title {id}-desc"'
        ' viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>{axis}{body}</svg>'
    ).format(
        id=chart_id, width=WIDTH, height=height, title=title, description=description, axis=axis, body=body
    )
