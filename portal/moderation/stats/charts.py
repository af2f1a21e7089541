"""Horizontal bar charts as inline SVG, drawn on the server.

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
