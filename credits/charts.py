"""A tiny server-rendered bar chart (inline SVG, presentation attributes only: no JS, no CDN).

``bar_chart`` takes (day, value) pairs and is the one chart helper of the project: the
billing page's spend chart and the staff dashboard both render it through
templates/credits/_spend_chart.html."""

import datetime

WIDTH, HEIGHT = 600, 160
TOP, BOTTOM, LEFT, RIGHT = 12, 24, 34, 6


def spend_chart(days: list[tuple[datetime.date, int]]) -> dict:
    """The billing page's chart of credits used per day."""
    return bar_chart(days, chart_id="spend-chart", title="Credits used per day, last 30 days",
                     empty="No credits used in the last 30 days", unit="credit")


def bar_chart(days: list[tuple[datetime.date, int]], *, chart_id: str, title: str, empty: str,
              unit: str = "") -> dict:
    """Geometry for templates/credits/_spend_chart.html: bars in integer pixels, axis labels.
    ``unit`` (singular) labels each bar's tooltip; ``chart_id`` must be unique on the page."""
    peak = max((credits for _, credits in days), default=0)
    scale_max = max(peak, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(days), 1)
    bars = []
    for index, (day, credits) in enumerate(days):
        height = round(plot_h * credits / scale_max) if credits else 0
        if credits and height < 2:
            height = 2
        x = LEFT + index * step
        bars.append({
            "x": round(x + step * 0.15, 1), "width": round(step * 0.7, 1),
            "y": TOP + plot_h - height, "height": height, "day": day, "credits": credits,
            "label": day.strftime("%-d %b") if (index % 7 == 0 and index < len(days) - 4) or index == len(days) - 1
            else "",
            "label_x": round(x + step / 2, 1),
        })
    return {
        "width": WIDTH, "height": HEIGHT, "bars": bars, "peak": peak, "total": sum(c for _, c in days),
        "axis_y": TOP + plot_h, "top": TOP, "left": LEFT, "right": WIDTH - RIGHT, "label_y": HEIGHT - 6,
        "peak_y": TOP + 4, "center_x": LEFT + plot_w // 2, "center_y": TOP + plot_h // 2,
        "id": chart_id, "title": title, "empty": empty, "unit": unit,
    }
