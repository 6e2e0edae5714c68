"""The explorer, driven programmatically: widget values change the numbers as the package functions say."""

import matplotlib
import pytest

matplotlib.use("Agg")

from IPython.utils.capture import capture_output  # noqa: E402

import tokenomics as tk  # noqa: E402
from tokenomics import explore  # noqa: E402
from tokenomics.breakeven import first_break_even, own_cost_structure  # noqa: E402
from tokenomics.renting import api_models  # noqa: E402


@pytest.fixture
def explorer():
    with capture_output():
        yield explore.Explorer()


def chat():
    return tk.load_workloads().set_index("workload").loc["chat"]


def set_value(explorer, name, value):
    with capture_output() as shown:
        explorer.controls[name].value = value
    return shown


def test_controls_are_release_only_and_listed_from_the_catalogs(explorer):
    c = explorer.controls
    assert all(c[k].continuous_update is False for k in ("tokens_per_month", "target_utilisation",
                                                         "volume_growth_per_year", "api_price_decline_per_year"))
    assert list(c["api_model"].options) == api_models()
    assert set(c["gpu"].options) == set(tk.load_gpus()["gpu"])


def test_volume_and_model_change_the_rent_as_monthly_api_cost_says(explorer):
    set_value(explorer, "tokens_per_month", 1e10)
    p = chat()
    assert explorer.numbers["rent_usd_per_month"] == pytest.approx(tk.monthly_api_cost("GPT-4.1", 1e10, p["input_share"]))
    set_value(explorer, "api_model", "GPT-4.1 mini")
    assert explorer.numbers["rent_usd_per_month"] == pytest.approx(
        tk.monthly_api_cost("GPT-4.1 mini", 1e10, p["input_share"]))


def test_buying_changes_owning_and_the_break_even(explorer):
    rented = explorer.numbers["own_usd_per_month"]
    set_value(explorer, "gpu_mode", "buy")
    p = chat()
    own = own_cost_structure("Llama 3.1 8B", "H100 SXM", "fp8", p["input_tokens_per_request"],
                             p["output_tokens_per_request"], mode="buy", target_utilisation=0.6,
                             peak_to_average=2.0, cached_share=p["cached_share"],
                             min_output_tokens_per_s_per_user=p["min_output_tokens_per_s_per_user"],
                             max_ttft_s=p["max_ttft_s"])  # the team-report defaults the explorer shares
    assert explorer.numbers["own_usd_per_month"] == pytest.approx(float(own.monthly_usd(1e9)))
    assert explorer.numbers["own_usd_per_month"] < rented
    api = tk.monthly_api_cost("GPT-4.1", 1e6, p["input_share"])
    assert explorer.numbers["break_even_tokens_per_month"] == pytest.approx(first_break_even(api, own))


def test_growth_brings_owning_forward(explorer):
    set_value(explorer, "volume_growth_per_year", 1.0)
    assert explorer.numbers["recommendation"] == "rent"
    set_value(explorer, "volume_growth_per_year", 10.0)
    assert explorer.numbers["recommendation"] != "rent" and explorer.numbers["start_month"] is not None


def test_the_explorer_defaults_are_the_scenario_defaults_but_for_its_deployment():
    assert explore.DEFAULT == {name: explore.DEPLOYMENT.get(name, getattr(tk.Scenario(), name))
                               for name in explore.CONTROLS}


def test_an_impossible_combination_shows_a_message_not_a_traceback(explorer):
    set_value(explorer, "open_model", "DeepSeek V3")
    shown = set_value(explorer, "gpu", "RTX 4090")
    assert explorer.numbers is None
    assert explorer.message.startswith("This combination cannot be computed: DeepSeek V3")
    assert "Traceback" not in shown.stdout + shown.stderr
    set_value(explorer, "gpu", "H200")
    assert explorer.numbers is not None and explorer.message == ""
