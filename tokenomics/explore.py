"""What if? An ipywidgets explorer over the same package functions: move a slider, see the answer change.

`Explorer().widget` is the live view (sliders with continuous_update=False, dropdowns from the catalogs);
`scenario_numbers(...)` is what each update computes and `draw(...)` what it shows, so a notebook can
draw the default scenario statically and tests can drive the explorer without a browser.
"""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np

from matplotlib.ticker import LogLocator, NullFormatter

from . import advice, plots, present
from .catalog import load_gpus, load_open_models, load_workloads
from .renting import api_models
from .scenario import Scenario

#: The sliders and dropdowns: Scenario fields. Their defaults are the Scenario's (one home for defaults).
CONTROLS = ("tokens_per_month", "workload", "api_model", "open_model", "gpu", "gpu_mode", "target_utilisation",
            "volume_growth_per_year", "api_price_decline_per_year")
#: The deployment the explorer starts on: a Scenario leaves it to the search, a slider needs a value.
DEPLOYMENT = {"open_model": "Llama 3.1 8B", "gpu": "H100 SXM", "gpu_mode": "rent", "weight_format": "fp8"}
DEFAULT = {name: DEPLOYMENT.get(name, getattr(Scenario(), name)) for name in CONTROLS}
#: Volumes the explorer's volume slider and axes span: 1 M to 10 T tokens a month.
VOLUME_RANGE_TOKENS = (1e6, 1e13)


def scenario_numbers(horizon_months: int = 36, **values) -> dict:
    """Headline numbers of one scenario: monthly cost both ways, break-even volume, the recommended path.

    The scenario is a `Scenario` (defaults for what the controls do not set) decided by `advice.decide`,
    so the explorer and the team reports agree on every number.
    """
    s = Scenario(team="explorer", horizon_months=horizon_months, weight_format=DEPLOYMENT["weight_format"], **values)
    d = advice.decide(s, runs=400)
    return {
        "scenario": s, "decision": d, "api_usd_per_mtok": d.api_usd_per_mtok,
        "rent_usd_per_month": d.current_api_usd_per_month, "own_usd_per_month": d.own_usd_per_month,
        "break_even_tokens_per_month": d.break_even_tokens_per_month, "start_month": d.start_month,
        "recommendation": d.recommendation, "own": s.own, "tokens_per_month": s.tokens_per_month,
        "labels": f"{s.api_model} vs {s.open_model} on {s.gpu} ({advice.MODE_WORDS[s.gpu_mode]}), {s.workload}",
    }


def headline_html(n: dict) -> str:
    """The numbers as a short HTML block (names escaped)."""
    be = n["break_even_tokens_per_month"]
    s, d = n["scenario"], n["decision"]
    return (f"<div style='font-size:1.05rem;line-height:1.5'><b>{html.escape(n['labels'])}</b><br>"
            f"rent <b>{present.usd(n['rent_usd_per_month'])}</b> a month · own <b>{present.usd(n['own_usd_per_month'])}"
            f"</b> a month · break-even <b>{present.tokens(be)}{' tokens/month' if np.isfinite(be) else ''}</b><br>"
            f"{html.escape(advice.headline(s, d))}</div>")


def headline_text(n: dict) -> str:
    """The same numbers as plain text (what nbval compares)."""
    be = n["break_even_tokens_per_month"]
    return (f"rent: {present.usd(n['rent_usd_per_month'])} a month; own: {present.usd(n['own_usd_per_month'])} a month\n"
            f"break-even: {present.tokens(be)}{' tokens a month' if np.isfinite(be) else ''}\n"
            f"{advice.headline(n['scenario'], n['decision'])}")


def draw(n: dict, fig=None):
    """One figure: cost against volume with the break-even marked, and the recommended path month by month.

    Pass the figure of a previous call to update its lines in place: a fixed layout and no new artists
    keep an explorer update fast (tight_layout alone costs more than the whole recomputation).
    """
    low, high = VOLUME_RANGE_TOKENS
    volume = np.logspace(np.log10(low), np.log10(high), 200)
    be = n["break_even_tokens_per_month"]
    mark = be if np.isfinite(be) else np.nan
    m = n["decision"].monthly
    series = {"rent": (volume, n["api_usd_per_mtok"] * volume / 1e6), "own": (volume, n["own"].monthly_usd(volume)),
              "break-even": ([mark, mark], [0, 1]), "this volume": ([n["tokens_per_month"]] * 2, [0, 1]),
              "rent by month": (m["month"], m["rent_usd"]), "path by month": (m["month"], m["path_usd"])}
    if fig is None:
        fig = _empty_figure()
    for ax in fig.axes:
        for line in ax.get_lines():
            if line.get_gid() in series:
                line.set_data(*series[line.get_gid()])
        ax.relim()
        ax.autoscale_view()
    left, right = fig.axes
    left.set_xlim(low, high)
    right.set_ylim(bottom=0)
    return fig


def _empty_figure():
    """The explorer's two panels with empty, labelled lines (filled by `draw`)."""
    with plt.rc_context(plots.STYLE | {"figure.figsize": (11, 4.2)}):
        fig, (left, right) = plt.subplots(1, 2)
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.2, top=0.9, wspace=0.3)
        left.loglog([], [], label="rent (API)", color=plots.PALETTE[1], lw=2, gid="rent")
        left.loglog([], [], label="own", color=plots.PALETTE[0], lw=2, drawstyle="steps-post", gid="own")
        left.plot([], [], color="#333333", ls=":", lw=1.2, label="break-even", gid="break-even",
                  transform=left.get_xaxis_transform())
        left.plot([], [], color=plots.PALETTE[4], lw=2, alpha=0.7, label="this volume", gid="this volume",
                  transform=left.get_xaxis_transform())
        plots._volume_axes(left)
        left.xaxis.set_major_locator(LogLocator(base=10, numticks=8))
        left.xaxis.set_minor_formatter(NullFormatter())
        left.set_title("Monthly cost against volume")
        left.legend(fontsize=8, loc="upper left")
        right.plot([], [], label="rent", color=plots.PALETTE[1], lw=2, gid="rent by month")
        right.plot([], [], label="recommended path", color=plots.PALETTE[0], lw=2, gid="path by month")
        right.yaxis.set_major_formatter(plots.usd_formatter)
        right.set(xlabel="month", ylabel="USD per month", title="Month by month")
        right.legend(fontsize=8)
        fig.text(0.01, 0.01, "Source: tokenomics catalogs (data/*.csv), latest list prices; dotted line: break-even.",
                 fontsize=7.5, color="#555555")
    return fig


class Explorer:
    """The live explorer: widgets in `controls`, the view in `widget`, the last numbers in `numbers`."""

    def __init__(self, **start):
        import ipywidgets as w

        values = DEFAULT | start
        style = {"description_width": "11rem"}
        layout = w.Layout(width="30rem")
        self.controls = {
            "tokens_per_month": w.FloatLogSlider(value=values["tokens_per_month"], base=10,
                                                 min=np.log10(VOLUME_RANGE_TOKENS[0]),
                                                 max=np.log10(VOLUME_RANGE_TOKENS[1]), step=0.1,
                                                 description="tokens per month", continuous_update=False,
                                                 readout_format=".3s", style=style, layout=layout),
            "workload": w.Dropdown(options=list(load_workloads()["workload"]), value=values["workload"],
                                   description="workload", style=style, layout=layout),
            "api_model": w.Dropdown(options=api_models(), value=values["api_model"],
                                    description="API model", style=style, layout=layout),
            "open_model": w.Dropdown(options=list(load_open_models()["model"]), value=values["open_model"],
                                     description="open model", style=style, layout=layout),
            "gpu": w.Dropdown(options=list(load_gpus()["gpu"]), value=values["gpu"], description="GPU",
                              style=style, layout=layout),
            "gpu_mode": w.ToggleButtons(options=["rent", "buy"], value=values["gpu_mode"], description="GPUs",
                                        style=style),
            "target_utilisation": w.FloatSlider(value=values["target_utilisation"], min=0.05, max=1.0, step=0.05,
                                                description="utilisation at peak", continuous_update=False,
                                                style=style, layout=layout),
            "volume_growth_per_year": w.FloatSlider(value=values["volume_growth_per_year"], min=0.5, max=20, step=0.5,
                                                    description="volume growth x/year", continuous_update=False,
                                                    style=style, layout=layout),
            "api_price_decline_per_year": w.FloatSlider(value=values["api_price_decline_per_year"], min=0, max=0.95,
                                                        step=0.05, description="API price decline/year",
                                                        continuous_update=False, style=style, layout=layout),
        }
        self.numbers: dict | None = None
        self.message: str = ""
        self.figure = None
        self.output = w.interactive_output(self.update, self.controls)
        self.widget = w.VBox([w.HTML("<b>tokenomics explorer</b>"), *self.controls.values(), self.output])

    def update(self, **values) -> None:
        """Recompute and redraw; an impossible combination shows a readable message instead of a traceback."""
        from IPython.display import HTML, display

        try:
            self.numbers = scenario_numbers(**values)
            self.message = ""
        except (ValueError, KeyError) as err:  # TeamError is a ValueError
            self.numbers = None
            self.message = f"This combination cannot be computed: {err.args[0] if err.args else err}"
            display(HTML(f"<div style='color:#b00;font-size:1.05rem'>{html.escape(self.message)}</div>"))
            return
        display(HTML(headline_html(self.numbers)))
        self.figure = draw(self.numbers, self.figure)
        plt.close(self.figure)  # kept for the next update; shown below, not by pyplot's inline hook
        display(self.figure)
