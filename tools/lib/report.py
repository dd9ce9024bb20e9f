"""The campaign report: a self-contained HTML page (inline SVG plots, no script, no CDN)."""
import html
import os
import re

from common import format_duration, human

WIDTH, HEIGHT = 560, 230
LEFT, RIGHT, TOP, BOTTOM = 58, 28, 14, 44  # room for tick labels and the x axis title
RUN_COLOURS = ("#2a6fdb", "#e07b00", "#1a9c4b", "#b5179e", "#6a4c93")
TIME_STEPS = (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400)


def nice_ceiling(value):
    """The smallest 1, 2 or 5 times a power of ten at or above value: round axis ends."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


def value_label(y):
    return re.sub(r"\.0(?=[kMG])", "", human(y))


def time_label(seconds):
    """Ticks fall on round times: 30s, 2m, 1h30m."""
    hours, minutes, secs = seconds // 3600, seconds // 60 % 60, seconds % 60
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + \
        (f"{secs}s" if secs else "")
    return text or "0"


def time_step(x_max):
    """A round tick interval giving at most 6 ticks on the time axis."""
    return next((s for s in TIME_STEPS if x_max / s <= 6), TIME_STEPS[-1])


class Axes:
    """Maps (seconds, value) to the plot area and draws the grid, the ticks and the axis titles."""

    def __init__(self, x_max, y_max):
        self.x_max, self.y_max = max(x_max, 1), nice_ceiling(max(y_max, 1))

    def point(self, x, y):
        return (LEFT + x / self.x_max * (WIDTH - LEFT - RIGHT),
                HEIGHT - BOTTOM - y / self.y_max * (HEIGHT - TOP - BOTTOM))

    def grid(self, y_title):
        parts = []
        ticks = next(n for n in (5, 4, 2, 1) if self.y_max % n == 0)  # whole numbers
        for i in range(ticks + 1):
            y = self.y_max * i // ticks
            _, sy = self.point(0, y)
            parts.append(f'<line x1="{LEFT}" y1="{sy:.1f}" x2="{WIDTH - RIGHT}" y2="{sy:.1f}" '
                         f'stroke="{"#888" if i == 0 else "#e4e4e4"}"/>'
                         f'<text x="{LEFT - 6}" y="{sy + 4:.1f}" text-anchor="end">{value_label(y)}</text>')
        step = time_step(self.x_max)
        for x in range(0, int(self.x_max) + 1, step):
            sx, _ = self.point(x, 0)
            parts.append(f'<line x1="{sx:.1f}" y1="{TOP}" x2="{sx:.1f}" y2="{HEIGHT - BOTTOM}" '
                         f'stroke="{"#888" if x == 0 else "#e4e4e4"}"/>'
                         f'<text x="{sx:.1f}" y="{HEIGHT - BOTTOM + 15}" text-anchor="middle">'
                         f'{time_label(x)}</text>')
        parts.append(f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 6}" '
                     f'text-anchor="middle">campaign time (all runs)</text>'
                     f'<text transform="translate(13,{(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" '
                     f'text-anchor="middle">{html.escape(y_title)}</text>')
        return "".join(parts)


def run_lines(axes, runs):
    """One coloured line per run; a dashed mark where a resumed run begins."""
    parts = []
    for index, (run, points) in enumerate(runs):
        colour = RUN_COLOURS[index % len(RUN_COLOURS)]
        if index:
            sx, _ = axes.point(points[0][0], 0)
            parts.append(f'<line x1="{sx:.1f}" y1="{TOP}" x2="{sx:.1f}" y2="{HEIGHT - BOTTOM}" '
                         f'stroke="{colour}" stroke-dasharray="4 3"/>'
                         f'<text x="{sx + 4:.1f}" y="{TOP + 11}" fill="{colour}">run {run}</text>')
        path = " ".join(f"{sx:.1f},{sy:.1f}" for sx, sy in (axes.point(x, y) for x, y in points))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
    return "".join(parts)


def svg_plot(title, y_title, runs):
    """A line plot of each run's (seconds, value) points on one time axis."""
    points = [p for _, run_points in runs for p in run_points]
    if not points:
        return f"<p>{html.escape(title)}: no samples yet</p>"
    axes = Axes(max(p[0] for p in points), max(p[1] for p in points))
    return (f'<figure><figcaption>{html.escape(title)}</figcaption>'
            f'<svg width="{WIDTH}" height="{HEIGHT}" font-size="11" '
            f'xmlns="http://www.w3.org/2000/svg">{axes.grid(y_title)}{run_lines(axes, runs)}'
            f'</svg></figure>')


def series(samples, field):
    """[(run, [(seconds, value), ...]), ...] in run order."""
    runs = {}
    for s in samples:
        runs.setdefault(int(s.get("run") or 1), []).append((int(s["seconds"]), int(s[field])))
    return sorted(runs.items())


def legend(samples):
    runs = series(samples, "seconds")
    return "".join(
        f'<span class="run"><span class="swatch" style="background:'
        f'{RUN_COLOURS[i % len(RUN_COLOURS)]}"></span>run {run}: {format_duration(points[0][0])}'
        f" to {format_duration(points[-1][0])}</span>" for i, (run, points) in enumerate(runs))


def failure_section(f, base):
    """One failure: what it breaks and how to replay it, then its op trace at full width."""
    fields = (("rule broken", html.escape(f["rule"])), ("hits", f["count"]),
              ("stack", html.escape(" < ".join(f["stack"]) or "?")),
              ("reproducer", f'<a href="{html.escape(os.path.relpath(f["minimized"], base))}">'
                             f'{html.escape(os.path.relpath(f["minimized"], base))}</a> '
                             f'({f["minimized_bytes"]} bytes)'),
              ("replay", f"<code>{html.escape(f['replay'])}</code>"))
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in fields)
    return (f'<h3>{html.escape(f["id"])}</h3><table class="failure">{rows}</table>'
            f"<details open><summary>op trace ({f['trace'].count(chr(10))} lines)</summary>"
            f"<pre>{html.escape(f['trace'])}</pre></details>")


def write(path, title, summary, samples, failures, coverage_plot):
    """coverage_plot: (title, y axis title, stats.csv column) of the engine's coverage figure."""
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in summary)
    plots = "".join(svg_plot(t, y, series(samples, f)) for t, y, f in (
        ("executions", "executions, all runs", "execs"), coverage_plot,
        ("corpus size", "inputs", "corpus")))
    failures_html = "".join(failure_section(f, os.path.dirname(path)) for f in failures) \
        or "<p>No failures.</p>"
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
figure{{display:inline-block;margin:0 1em 1em 0}}figcaption{{font-weight:bold}}
pre{{margin:.5em 0 0;max-height:24em;overflow:auto;background:#f6f6f6;padding:.5em}}
table.failure{{width:100%;max-width:1100px}}table.failure th{{width:8em}}
td{{overflow-wrap:anywhere}}details{{margin:.5em 0 1.5em}}.run{{margin-right:1.5em}}
.swatch{{display:inline-block;width:1em;height:.6em;margin-right:.4em}}</style>
</head><body><h1>{html.escape(title)}</h1><table>{rows}</table><h2>Over time</h2>
<p>{legend(samples)}</p>{plots}
<h2>Distinct failures</h2>{failures_html}</body></html>
"""
    with open(path, "w") as f:
        f.write(page)
