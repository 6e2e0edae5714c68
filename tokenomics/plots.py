"""Show it: one function per chart, one house style. Every chart has a title, units and a source line."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from . import present
from .serving import benchmark_group

PALETTE = ["#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f"]
STYLE = {
    "figure.figsize": (8, 4.5), "figure.dpi": 100, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.3, "axes.titleweight": "bold", "axes.titlesize": 12,
    "axes.prop_cycle": plt.cycler(color=PALETTE), "legend.frameon": False,
}


def _usd(x, _pos=None) -> str:
    """Axis money: '$500', '$20,000', '$1.5 M' (whole dollars from $10 up)."""
    if abs(x) >= 10 and abs(x) < 1e6:
        return f"{'-' if x < 0 else ''}${abs(x):,.0f}"
    return present.usd(x)


def _binary_tokens(x, _pos=None) -> str:
    return f"{x / 1024:g}k" if x >= 1024 else f"{x:g}"


def format_tokens(x, _pos=None) -> str:
    """1.5 M, 2.21 B, 3 T: a token count as people say it (`present.tokens`)."""
    return present.tokens(x)


usd_formatter = FuncFormatter(_usd)
tokens_formatter = FuncFormatter(format_tokens)


def footnote(fig, text: str) -> None:
    """Source and as-of line under the chart, in a strip the layout keeps free."""
    strip = 0.28 / fig.get_figheight()  # about a quarter inch, whatever the figure's height
    fig.tight_layout(rect=(0, strip, 1, 1))
    fig.text(0.01, 0.01, text, fontsize=7.5, color="#555555", ha="left", va="bottom", wrap=True)


def _finish(fig, ax, title: str, source: str, **legend) -> None:
    """Title, legend and source footnote: the house ending of every chart."""
    ax.set_title(title)
    ax.legend(**legend)
    footnote(fig, source)


def _volume_axes(ax) -> None:
    """Axes of a monthly-cost-against-volume chart."""
    ax.xaxis.set_major_formatter(tokens_formatter)
    ax.yaxis.set_major_formatter(usd_formatter)
    ax.set_xlabel("tokens per month (input + output)")
    ax.set_ylabel("USD per month")


def price_bars(prices: pd.DataFrame, title: str, source: str):
    """Grouped bars of input and output USD per million tokens, one group per model (log scale)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        x = np.arange(len(prices))
        ax.bar(x - 0.2, prices["input_usd_per_mtok"], 0.4, label="input")
        ax.bar(x + 0.2, prices["output_usd_per_mtok"], 0.4, label="output")
        ax.set_xticks(x, prices["model"], rotation=35, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(usd_formatter)
        ax.set_ylabel("USD per million tokens (log scale)")
        _finish(fig, ax, title, source)
    return fig


def cost_vs_volume(tokens_per_month: np.ndarray, costs_usd: dict[str, np.ndarray], title: str, source: str,
                   marks: np.ndarray | None = None):
    """Monthly cost against monthly volume on log-log axes, one line per series."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        for label, cost in costs_usd.items():
            ax.loglog(tokens_per_month, cost, label=label, lw=2)
        for m in marks if marks is not None else []:
            ax.axvline(m, color="#999999", lw=0.8, ls=":")
        _volume_axes(ax)
        _finish(fig, ax, title, source)
    return fig


def price_drift(drift: pd.DataFrame, title: str, source: str):
    """Dumbbell chart: blended USD per million tokens then (o) and now (●), per model."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(drift) + 1.6))
        y = np.arange(len(drift))
        ax.hlines(y, drift["then_usd_per_mtok"], drift["now_usd_per_mtok"], color="#bbbbbb", lw=2)
        ax.scatter(drift["then_usd_per_mtok"], y, facecolors="white", edgecolors=PALETTE[0], zorder=3,
                   label=drift.attrs.get("then_label", "then"))
        ax.scatter(drift["now_usd_per_mtok"], y, color=PALETTE[1], zorder=3, label=drift.attrs.get("now_label", "now"))
        ax.set_yticks(y, drift["model"], fontsize=8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(usd_formatter)
        ax.set_xlabel("blended USD per million tokens (log scale)")
        _finish(fig, ax, title, source, loc="lower right")
    return fig


def memory_stack(table: pd.DataFrame, title: str, source: str, gpu_lines: dict[str, float] | None = None):
    """Stacked bars of weights / KV cache / reserve in GB, one bar per row label; dashed lines at GPU sizes."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 4.8))
        x = np.arange(len(table))
        bottom = np.zeros(len(table))
        for col, label in (("weights_gb", "weights"), ("kv_cache_gb", "KV cache"), ("overhead_gb", "reserve")):
            ax.bar(x, table[col], bottom=bottom, label=label, width=0.7)
            bottom += table[col].to_numpy()
        for name, gb in (gpu_lines or {}).items():
            ax.axhline(gb, color="#555555", lw=0.8, ls="--")
            ax.text(len(table) - 0.5, gb, f" {name}", fontsize=7, va="bottom", ha="right", color="#555555")
        ax.set_xticks(x, table.index, rotation=40, ha="right", fontsize=7.5)
        ax.set_yscale("log")
        ax.set_ylabel("GPU memory, GB (log scale)")
        _finish(fig, ax, title, source, loc="upper right", framealpha=0.9, frameon=True)
    return fig


def gpus_vs_context(context_tokens: np.ndarray, gpus: dict[str, np.ndarray], title: str, source: str):
    """Step lines: GPUs needed against context length, one line per deployment (gaps: does not fit on 8)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        colours, styles = {}, ["-", "--", ":"]
        for label, n in gpus.items():
            kind, _, variant = label.partition(" · ")
            colour = colours.setdefault(kind, PALETTE[len(colours) % len(PALETTE)])
            style_index = sum(1 for other in gpus if other.partition(" · ")[0] == kind and other < label)
            ax.step(context_tokens, n, where="post", label=label, color=colour, ls=styles[style_index % 3],
                    lw=3 - style_index)
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(FuncFormatter(_binary_tokens))
        ax.set_yticks([1, 2, 4, 8])
        ax.set_xlabel("context per sequence, tokens (log scale)")
        ax.set_ylabel("GPUs needed (tensor-parallel size)")
        _finish(fig, ax, title, source, fontsize=8)
    return fig


def predicted_vs_observed(table: pd.DataFrame, title: str, source: str):
    """Log-log scatter of roofline prediction against published throughput; fitted, held out, and the rows shown but
    not scored (not full load, pre-release build, inconsistent pair)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 5.5))
        group = benchmark_group(table)
        for name, marker in (("fitted", "o"), ("held out", "s"), ("not full load", "x"), ("pre-release build", "+"),
                             ("inconsistent pair", "d")):
            sel = group == name
            ax.scatter(table.loc[sel, "output_tokens_per_s"], table.loc[sel, "predicted_tokens_per_s"],
                       label=name, marker=marker)
        lims = [table[["output_tokens_per_s", "predicted_tokens_per_s"]].min().min() / 1.5,
                table[["output_tokens_per_s", "predicted_tokens_per_s"]].max().max() * 1.5]
        ax.plot(lims, lims, color="#888888", lw=1, label="exact")
        ax.fill_between(lims, [v / 1.35 for v in lims], [v * 1.35 for v in lims], color="#dddddd", alpha=0.5,
                        label="±35 %")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("published output tokens per second")
        ax.set_ylabel("roofline output tokens per second")
        _finish(fig, ax, title, source, fontsize=8)
    return fig


def cost_split_bars(table: pd.DataFrame, title: str, source: str):
    """Stacked horizontal bars of hardware / power / people USD per million tokens, one per row label."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8.5, 0.38 * len(table) + 1.8))
        y = np.arange(len(table))
        left = np.zeros(len(table))
        for col, label in (("hardware_usd_per_mtok", "hardware"), ("power_usd_per_mtok", "power"),
                           ("people_usd_per_mtok", "people")):
            ax.barh(y, table[col], left=left, label=label)
            left += table[col].to_numpy()
        ax.set_yticks(y, table.index, fontsize=8)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"${v:.2f}"))
        ax.set_xlabel("USD per million tokens (input + output)")
        _finish(fig, ax, title, source, loc="lower right")
    return fig


def share_vs_volume(tokens_per_month: np.ndarray, shares: dict[str, np.ndarray], title: str, source: str,
                    band: tuple[float, float] | None = None):
    """A share (0..1) against monthly volume on a log axis, with an optional shaded band (a claim's range)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        if band:
            ax.axhspan(*band, color="#f2dcdb", alpha=0.6, label=f"claim: {band[0]:.0%}–{band[1]:.0%}")
        for label, s in shares.items():
            ax.semilogx(tokens_per_month, s, label=label, lw=2)
        ax.xaxis.set_major_formatter(tokens_formatter)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
        ax.set_ylim(0, 1)
        ax.set_xlabel("tokens per month served (input + output)")
        ax.set_ylabel("people share of self-hosting cost")
        _finish(fig, ax, title, source, fontsize=8)
    return fig


def rent_vs_own(tokens_per_month: np.ndarray, rent_usd: np.ndarray, own_usd: dict[str, np.ndarray], title: str,
                source: str, crossings: pd.DataFrame | None = None, marks: dict[str, float] | None = None):
    """Monthly cost against volume (log-log) for renting and owning; crossings and named volumes marked."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        ax.loglog(tokens_per_month, rent_usd, label="rent (API)", lw=2.5, color=PALETTE[1])
        for i, (label, cost) in enumerate(own_usd.items()):
            ax.loglog(tokens_per_month, cost, label=label, lw=2, color=PALETTE[[0, 2, 3, 4][i % 4]],
                      drawstyle="steps-post")
        for row in (crossings.itertuples() if crossings is not None else []):
            ax.axvline(row.tokens_per_month, color="#333333", lw=0.8, ls=":")
            ax.annotate(f"{format_tokens(row.tokens_per_month)}\n{row.direction}", (row.tokens_per_month, ax.get_ylim()[0]),
                        xytext=(3, 8), textcoords="offset points", fontsize=7, rotation=90, va="bottom")
        styles = [dict(color=PALETTE[4], lw=2, alpha=0.8), dict(color="#333333", lw=1.2, ls=":")]
        for i, (label, x) in enumerate((marks or {}).items()):
            ax.axvline(x, label=f"{label}: {format_tokens(x)}", **styles[i % len(styles)])
        _volume_axes(ax)
        _finish(fig, ax, title, source)
    return fig


def distribution(values: np.ndarray, title: str, xlabel: str, source: str, marks: dict[str, float] | None = None):
    """Histogram of a positive quantity on a log axis (infinite values counted in the title)."""
    finite = values[np.isfinite(values)]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        bins = np.logspace(np.log10(finite.min()), np.log10(finite.max()), 60) if len(finite) else 10
        ax.hist(finite, bins=bins, color=PALETTE[0], alpha=0.85, label="scenarios")
        for i, (label, x) in enumerate((marks or {}).items()):
            ax.axvline(x, color=PALETTE[1 + i], lw=1.5, ls="--", label=f"{label}: {format_tokens(x)}")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(tokens_formatter)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("scenarios")
        never = len(values) - len(finite)
        _finish(fig, ax, title + (f" ({never / len(values):.0%} never pay)" if never else ""), source)
    return fig


def saving_tornado(table: pd.DataFrame, title: str, source: str, horizon_months: int):
    """Horizontal bars from the median saving to the saving with each input at its low and high quantile.

    Labels name the input in words with the range tried; when no input moves the saving by more than
    1 % of the bill, the chart says so in a sentence instead of drawing empty bars.
    """
    mid = table.attrs["median_saving_usd"]
    lo_q, hi_q = table.attrs["low_q"], table.attrs["high_q"]
    labels = [f"{r.input} (×{r.low_factor:.2f} to ×{r.high_factor:.2f})" for r in table.itertuples()]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 0.55 * len(table) + 1.8))
        y = np.arange(len(table))
        if not (table["swing_usd"] > table.attrs.get("negligible_usd", 0.0)).any():
            ax.text(0.5, 0.5, "Nothing in the ranges tried moves the answer:\n"
                              f"the saving stays at {present.usd(mid)} whatever these inputs do.",
                    ha="center", va="center", transform=ax.transAxes, fontsize=11)
            ax.set_yticks(y, labels)
            ax.set_xticks([])
            ax.set_title(title)
            footnote(fig, source)
            return fig
        for col, label, colour in (("saving_at_low_usd", f"input at its {lo_q:.0%} quantile", PALETTE[0]),
                                   ("saving_at_high_usd", f"input at its {hi_q:.0%} quantile", PALETTE[1])):
            vals = table[col].to_numpy(dtype=float)
            ax.barh(y, vals - mid, left=mid, color=colour, label=label, height=0.6)
        ax.axvline(mid, color="#333333", lw=1)
        ax.axvline(0, color="#999999", lw=0.8, ls=":")
        ax.set_yticks(y, labels, fontsize=8.5)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(usd_formatter)
        ax.set_xlabel(f"saving over {horizon_months} months against renting, USD present value "
                      f"(central case {present.usd(mid)})")
        _finish(fig, ax, title, source, loc="lower right", fontsize=8)
    return fig


def path_chart(monthly: pd.DataFrame, title: str, source: str, path_label: str, start_month: int | None,
               cumulative: bool = False):
    """Monthly (or cumulative) USD of renting throughout and of the recommended path, on linear axes,
    with the month owning starts marked."""
    prefix = "cumulative_" if cumulative else ""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        rent, path = monthly[prefix + "rent_usd"], monthly[prefix + "path_usd"]
        ax.plot(monthly["month"], rent, label="rent: stay on the API", lw=2, color=PALETTE[1])
        if start_month is None and prefix + "alternative_usd" in monthly:
            ax.plot(monthly["month"], monthly[prefix + "alternative_usd"], lw=1.5, color="#888888", ls="--",
                    label=monthly.attrs.get("alternative_label", "best self-hosting alternative (not recommended)"))
        if start_month is not None:
            ax.plot(monthly["month"], path, label=path_label, lw=2, color=PALETTE[0])
            ax.fill_between(monthly["month"], rent, path, where=path < rent, color=PALETTE[2], alpha=0.25,
                            label="saved", interpolate=True)
            ax.fill_between(monthly["month"], rent, path, where=path > rent, color=PALETTE[1], alpha=0.15,
                            label="costs more", interpolate=True)
            ax.axvline(start_month, color="#333333", ls=":", lw=1)
            ax.annotate(f" owning starts ({present.month(start_month)})", (start_month, ax.get_ylim()[1]),
                        va="top", fontsize=8)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(usd_formatter)
        ax.set_xlabel("month")
        ax.set_ylabel("cumulative USD" if cumulative else "USD per month")
        _finish(fig, ax, title, source, fontsize=8, loc="upper left")
    return fig


def projection_chart(frame: pd.DataFrame, title: str, source: str, cumulative: bool = False):
    """Monthly (or cumulative) USD of rent, own and hybrid over the horizon, on linear axes."""
    prefix = "cumulative_" if cumulative else ""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        for col, label, colour, style in (("rent_usd", "rent (API)", PALETTE[1], "-"), ("own_usd", "own", PALETTE[0], "-"),
                                          ("hybrid_usd", "hybrid", PALETTE[2], "--")):
            ax.plot(frame["month"], frame[prefix + col], label=label, lw=2, color=colour, ls=style)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(usd_formatter)
        ax.set_xlabel("month")
        ax.set_ylabel(("cumulative " if cumulative else "") + "USD" + ("" if cumulative else " per month"))
        _finish(fig, ax, title, source)
    return fig


def price_history_chart(histories: dict[str, pd.DataFrame], title: str, source: str):
    """Step lines of blended USD per million tokens over time, one per model (periods from `renting.price_history`;
    a period with no start date is drawn from the first dated one's left edge)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        starts = [h["valid_from"].dropna().min() for h in histories.values() if h["valid_from"].notna().any()]
        origin = (min(starts) - pd.Timedelta(days=30)) if starts else pd.Timestamp("2025-01-01")
        end = max(h["as_of"].max() for h in histories.values())
        for label, h in histories.items():
            x = list(h["valid_from"].fillna(origin)) + [end]
            y = list(h["blended_usd_per_mtok"]) + [h["blended_usd_per_mtok"].iloc[-1]]
            ax.step(x, y, where="post", lw=2, label=label)
        ax.yaxis.set_major_formatter(usd_formatter)
        ax.set_ylim(bottom=0)
        ax.set_xlabel("price period start (date)")
        ax.set_ylabel("blended USD per million tokens")
        fig.autofmt_xdate()
        _finish(fig, ax, title, source, fontsize=8)
    return fig


def quality_cost_chart(candidates: pd.DataFrame, marks: dict, title: str, xlabel: str, source: str):
    """Every scored candidate as a dot (of the owning ones, the cheapest per model, GPU and price basis): quality
    against present value over the horizon (log), one colour per path; the quality floor as a vertical line,
    today's path and the chosen candidate marked."""
    colours = {"api": PALETTE[3], "by_token": PALETTE[5], "own": PALETTE[0]}
    words = {"api": "another API model", "by_token": "open model by the token", "own": "self-hosted"}
    scored = candidates[candidates["quality"].notna() & (candidates["npv_usd"] > 0)]
    # of the owning candidates, the cheapest per model, GPU and price basis: the others sit right above it
    own = scored["path"] == "own"
    cheapest = scored[own].sort_values("npv_usd").drop_duplicates(["model", "gpu", "basis"])
    scored = pd.concat([scored[~own], cheapest])
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(10, 5))
        for path in ("own", "by_token", "api"):  # the many self-hosted dots underneath, the few API ones on top
            rows = scored[scored["path"] == path]
            ax.scatter(rows["quality"], rows["npv_usd"], s=8 if path == "own" else 14, alpha=0.3 if path == "own" else 0.7,
                       color=colours[path], label=words[path], edgecolors="none")
        ax.axvline(marks["floor"], color="#333333", ls=":", lw=1.2, label=f"quality floor ({marks['floor']:.1f})")
        ax.scatter(*marks["today"], marker="*", s=220, color=PALETTE[1], zorder=4, label="today")
        if "chosen" in marks:
            ax.scatter(*marks["chosen"], marker="D", s=80, facecolors="none", edgecolors="#000000", lw=1.8, zorder=5,
                       label="recommended")
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(usd_formatter)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("present value over the horizon, USD (log scale)")
        _finish(fig, ax, title, source, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), markerscale=1.4)
        fig.subplots_adjust(right=0.76)  # the legend sits outside the dots, never on them
    return fig


def fleet_chart(gpus: pd.DataFrame, title: str, source: str):
    """Stacked areas of GPUs in service by month, one band per pool (a kind of self-hosted deployment)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 4.6))
        months = np.append(gpus.index.to_numpy(), gpus.index[-1] + 1)  # the last month drawn to its end
        ax.stackplot(months, *[np.append(gpus[c].to_numpy(), gpus[c].iloc[-1]) for c in gpus.columns],
                     labels=list(gpus.columns), alpha=0.85, step="post")
        ax.set_xlabel("month")
        ax.set_ylabel("GPUs in service")
        ax.set_ylim(bottom=0)
        _finish(fig, ax, title, source, fontsize=7.5, loc="upper left")
    return fig


def png_base64(fig) -> str:
    """A figure as a base64 PNG for an <img> in a static page (the figure is closed)."""
    import base64
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def line_chart(x: np.ndarray, series: dict[str, np.ndarray], title: str, xlabel: str, ylabel: str, source: str, *,
               logx: bool = False, logy: bool = False, x_format: str | None = None, y_format: str | None = None,
               vlines: dict[str, float] | None = None, hlines: dict[str, float] | None = None):
    """Lines against a shared x, with optional named reference lines. Formats: 'usd', 'tokens', 'share'."""
    formats = {"usd": usd_formatter, "tokens": tokens_formatter,
               "share": FuncFormatter(lambda v, _p: f"{v:.0%}"), None: None}
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
        for label, y in series.items():
            ax.plot(x, y, label=label, lw=2)
        for i, (label, v) in enumerate((vlines or {}).items()):
            ax.axvline(v, color="#888888", ls=":", lw=1, label=label)
        for label, v in (hlines or {}).items():
            ax.axhline(v, color=PALETTE[1], ls="--", lw=1, label=label)
        ax.set(xscale="log" if logx else "linear", yscale="log" if logy else "linear", xlabel=xlabel, ylabel=ylabel)
        for axis, fmt in ((ax.xaxis, formats[x_format]), (ax.yaxis, formats[y_format])):
            if fmt is not None:
                axis.set_major_formatter(fmt)
        _finish(fig, ax, title, source, fontsize=8)
    return fig
