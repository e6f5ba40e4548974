"""Charts as SVG drawn on the server: no script, no CDN (intranet deployments have no
internet), and the same markup prints in the PDF summaries (WeasyPrint draws SVG).

A chart here is geometry only; templates/ledger/stacked_bars.svg.html draws it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from orgs import rules

# Party red for organizational coverage, amber for work coverage, grey for none.
SERIES = (
    (rules.ORGANIZATIONAL, _("组织覆盖"), "#c0392b"),
    (rules.WORK, _("工作覆盖"), "#e6a23c"),
    (rules.UNCOVERED, _("未覆盖"), "#9aa0a6"),
)


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    color: str
    count: int
    x: float
    width: float
    url: str


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    y: float
    segments: tuple


@dataclass(frozen=True)
class StackedBars:
    width: int
    height: int
    label_width: int
    plot_width: int
    bar_height: int
    bars: tuple
    legend: tuple


def stacked_bars(rows, url_for, *, width=720, label_width=140, bar_height=20, gap=8):
    """One 100 % bar per breakdown row (organizational / work / uncovered), each segment
    a link to the orgs it counts. `url_for(row, status)` builds the link."""
    plot_width = width - label_width - 70  # room for the total at the end
    bars = []
    for index, row in enumerate(rows):
        figures = row.figures
        counts = (figures.org_covered, figures.work_covered, figures.uncovered)
        x = float(label_width)
        segments = []
        for (key, label, color), count in zip(SERIES, counts, strict=True):
            share = count / figures.orgs if figures.orgs else 0
            segment_width = round(share * plot_width, 1)
            segments.append(
                Segment(key, label, color, count, round(x, 1), segment_width, url_for(row, key))
            )
            x += segment_width
        bars.append(Bar(row.label, figures.orgs, index * (bar_height + gap), tuple(segments)))
    height = max(len(bars) * (bar_height + gap), bar_height)
    return StackedBars(
        width=width,
        height=height,
        label_width=label_width,
        plot_width=plot_width,
        bar_height=bar_height,
        bars=tuple(bars),
        legend=tuple((label, color) for _key, label, color in SERIES),
    )
