"""What if? An ipywidgets explorer over the same package functions: move a slider, see the answer change.

`Explorer().widget` is the live view (sliders with continuous_update=False, dropdowns from the catalogs);
`scenario_numbers(...)` is what each update computes and `draw(...)` what it shows, so a notebook can
draw the default scenario statically and tests can drive the explorer without a browser.
"""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np

from . import plots
from .advice import scenario, team_parameters
from .breakeven import first_break_even, step_crossings
from .catalog import load_api_prices, load_gpus, load_open_models, load_workloads
from .projection import crossover_month, project
from .renting import monthly_api_cost

DEFAULT = dict(tokens_per_month=1e9, workload="chat", api_model="GPT-4.1", open_model="Llama 3.1 8B",
               gpu="H100 SXM", gpu_mode="rent", target_utilisation=0.6, volume_growth_per_year=3.0,
               api_price_decline_per_year=0.5)


def scenario_numbers(tokens_per_month, workload, api_model, open_model, gpu, gpu_mode, target_utilisation,
                     volume_growth_per_year, api_price_decline_per_year, horizon_months: int = 36) -> dict:
    """Headline numbers of one scenario: monthly cost both ways, break-even volume, crossover month.

    The scenario is a team's parameters (`advice.team_parameters`, defaults for what the sliders do not
    set), so the explorer and the team reports agree on every number.
    """
    p = team_parameters({"team": "explorer", "tokens_per_month": tokens_per_month, "workload": workload,
                         "api_model": api_model, "open_model": open_model, "gpu": gpu, "gpu_mode": gpu_mode,
                         "target_utilisation": target_utilisation, "volume_growth_per_year": volume_growth_per_year,
                         "api_price_decline_per_year": api_price_decline_per_year, "horizon_months": horizon_months})
    kw = scenario(p)
    own = kw["own"]
    api_per_mtok = monthly_api_cost(p["api_model"], 1e6, p["input_share"], kw["cached_share"])
    frame = project(p["tokens_per_month"], **kw)
    return {
        "api_usd_per_mtok": api_per_mtok,
        "rent_usd_per_month": api_per_mtok * p["tokens_per_month"] / 1e6,
        "own_usd_per_month": float(own.monthly_usd(p["tokens_per_month"])),
        "break_even_tokens_per_month": float(first_break_even(api_per_mtok, own)),
        "crossover_month": crossover_month(frame, "own"),
        "own": own, "frame": frame, "tokens_per_month": p["tokens_per_month"],
        "labels": f"{p['api_model']} vs {p['open_model']} on {p['gpu']} ({p['gpu_mode']}), {p['workload']}",
    }


def headline_html(n: dict) -> str:
    """The numbers as a short HTML block (names escaped)."""
    be = n["break_even_tokens_per_month"]
    cross = "never within the horizon" if n["crossover_month"] is None else f"month {n['crossover_month']}"
    return (f"<div style='font-size:1.05rem;line-height:1.5'><b>{html.escape(n['labels'])}</b><br>"
            f"rent <b>${n['rent_usd_per_month']:,.0f}</b> a month · own <b>${n['own_usd_per_month']:,.0f}</b> a month"
            f" · break-even <b>{'never' if not np.isfinite(be) else plots.format_tokens(be) + ' tokens/month'}</b>"
            f" · owning cheaper from <b>{cross}</b></div>")


def draw(n: dict, fig=None):
    """One figure: cost against volume with the break-even marked, and the month-by-month projection.

    Pass the figure of a previous call to update its lines in place: a fixed layout and no new artists
    keep an explorer update fast (tight_layout alone costs more than the whole recomputation).
    """
    volume = np.logspace(np.log10(n["tokens_per_month"]) - 2, np.log10(n["tokens_per_month"]) + 3, 200)
    crossings = step_crossings(n["api_usd_per_mtok"], n["own"], volume[-1])
    first = crossings.loc[crossings["direction"] == "own cheaper from here", "tokens_per_month"]
    mark = float(first.iloc[0]) if len(first) else np.nan
    f = n["frame"]
    series = {"rent": (volume, n["api_usd_per_mtok"] * volume / 1e6), "own": (volume, n["own"].monthly_usd(volume)),
              "break-even": ([mark, mark], [0, 1]), "this volume": ([n["tokens_per_month"]] * 2, [0, 1]),
              "rent by month": (f["month"], f["rent_usd"]), "own by month": (f["month"], f["own_usd"])}
    if fig is None:
        with plt.rc_context(plots.STYLE | {"figure.figsize": (11, 4.2)}):
            fig, (left, right) = plt.subplots(1, 2)
            fig.subplots_adjust(left=0.08, right=0.98, bottom=0.2, top=0.9, wspace=0.28)
            left.loglog([], [], label="rent (API)", color=plots.PALETTE[1], lw=2, gid="rent")
            left.loglog([], [], label="own", color=plots.PALETTE[0], lw=2, drawstyle="steps-post", gid="own")
            left.plot([], [], color="#333333", ls=":", lw=1.2, label="break-even", gid="break-even",
                      transform=left.get_xaxis_transform())
            left.plot([], [], color=plots.PALETTE[4], lw=2, alpha=0.7, label="this volume", gid="this volume",
                      transform=left.get_xaxis_transform())
            plots._volume_axes(left)
            left.set_title("Monthly cost against volume")
            left.legend(fontsize=8, loc="upper left")
            right.plot([], [], label="rent", color=plots.PALETTE[1], lw=2, gid="rent by month")
            right.plot([], [], label="own", color=plots.PALETTE[0], lw=2, gid="own by month")
            right.set_yscale("log")
            right.yaxis.set_major_formatter(plots.usd_formatter)
            right.yaxis.set_minor_formatter(plots.usd_formatter)
            right.tick_params(axis="y", which="minor", labelsize=7)
            right.set(xlabel="month", ylabel="USD per month", title="Month by month")
            right.legend(fontsize=8)
            fig.text(0.01, 0.01, "Source: tokenomics catalogs (data/*.csv), latest list prices; dotted line: break-even.",
                     fontsize=7.5, color="#555555")
    for ax in fig.axes:
        for line in ax.get_lines():
            if line.get_gid() in series:
                line.set_data(*series[line.get_gid()])
        ax.relim()
        ax.autoscale_view()
    return fig


class Explorer:
    """The live explorer: widgets in `controls`, the view in `widget`, the last numbers in `numbers`."""

    def __init__(self, **start):
        import ipywidgets as w

        values = DEFAULT | start
        style = {"description_width": "11rem"}
        layout = w.Layout(width="30rem")
        self.controls = {
            "tokens_per_month": w.FloatLogSlider(value=values["tokens_per_month"], base=10, min=6, max=12, step=0.1,
                                                 description="tokens per month", continuous_update=False,
                                                 readout_format=".2e", style=style, layout=layout),
            "workload": w.Dropdown(options=list(load_workloads()["workload"]), value=values["workload"],
                                   description="workload", style=style, layout=layout),
            "api_model": w.Dropdown(options=list(dict.fromkeys(load_api_prices()["model"])), value=values["api_model"],
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
