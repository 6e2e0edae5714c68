"""Show it: one function per chart, one house style. Every chart has a title, units and a source line."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

PALETTE = ["#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f"]
STYLE = {
    "figure.figsize": (8, 4.5), "figure.dpi": 100, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.3, "axes.titleweight": "bold", "axes.titlesize": 12,
    "axes.prop_cycle": plt.cycler(color=PALETTE), "legend.frameon": False,
}


def _usd(x, _pos=None) -> str:
    if x >= 1e6:
        return f"${x / 1e6:g}M"
    if x >= 1e3:
        return f"${x / 1e3:g}k"
    return f"${x:g}"


def _tokens(x, _pos=None) -> str:
    for unit, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:g}{unit}"
    return f"{x:g}"


usd_formatter = FuncFormatter(_usd)
tokens_formatter = FuncFormatter(_tokens)


def footnote(fig, text: str) -> None:
    """Source and as-of line under the chart."""
    fig.text(0.01, 0.005, text, fontsize=7.5, color="#555555", ha="left", va="bottom", wrap=True)
    fig.subplots_adjust(bottom=0.2)


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
        ax.set_title(title)
        ax.legend()
        fig.tight_layout()
        footnote(fig, source)
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
        ax.xaxis.set_major_formatter(tokens_formatter)
        ax.yaxis.set_major_formatter(usd_formatter)
        ax.set_xlabel("tokens per month (input + output)")
        ax.set_ylabel("USD per month")
        ax.set_title(title)
        ax.legend()
        fig.tight_layout()
        footnote(fig, source)
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
        ax.set_title(title)
        ax.legend(loc="lower right")
        fig.tight_layout()
        footnote(fig, source)
    return fig
