"""Which question exactly? One `Scenario`: every parameter of a team's rent-or-own answer, checked once.

A frozen dataclass: each field carries its default, its unit and a one-line meaning (field metadata),
and `__post_init__` checks every value (ValueError naming the field and the value). Team reports, the
explorer and the walk-through notebooks build one from their parameters cell, so they agree on every
default; `Scenario.parameters_cell()` writes the papermill parameters cell from the fields. The cost
logic stays in the functions (`renting`, `owning`, `projection`); the scenario only bundles their inputs.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from functools import cached_property

import numpy as np
import pandas as pd

from .catalog import load_gpus, load_open_models, load_workloads
from .checks import as_array, lookup_name
from .owning import RENT_BASES, OwnCost, assumption, own_cost_structure
from .renting import api_price, blended_price, monthly_api_cost, resolve_api_model

GPU_MODES = ("rent", "buy")
#: Text fields that may be left blank (None): the search chooses them, or they do not apply.
OPTIONAL_TEXT = ("api_provider", "open_model", "gpu", "weight_format", "gpu_mode", "gpu_price_basis", "task_class",
                 "engine", "quality_scores", "api_mix", "providers")
PROFILES = ("data_centre", "workstation")
PROFILE_FIELDS = ("input_share", "cached_share", "input_tokens_per_request", "output_tokens_per_request")
LATENCY_FIELDS = ("min_output_tokens_per_s_per_user", "max_ttft_s")


class ScenarioError(ValueError):
    """A scenario parameter is unusable: the message starts with the field's name."""


def param(default, unit: str, meaning: str, *, low=None, high=None, low_open: bool = False, group: str = ""):
    """A scenario field: its default, unit, one-line meaning and allowed range (for numbers)."""
    return field(default=default, metadata={"unit": unit, "meaning": meaning, "low": low, "high": high,
                                            "low_open": low_open, "group": group})


@dataclass(frozen=True)
class Scenario:
    """One team's question: its traffic today, the API it rents, the deployment it could own, the outlook."""

    team: str = param("Example team", "", "team name, shown as given (HTML-escaped)", group="team")
    workload: str = param("chat", "", "workload profile from data/workloads.csv (sets the mix when not given)",
                          group="team")
    tokens_per_month: float = param(1e9, "tokens per month", "input + output tokens a month today", low=0,
                                    high=1e15, low_open=True, group="team")
    input_share: float | None = param(None, "share", "share of tokens that are input (None: from the workload)",
                                      low=0, high=1, group="team")
    cached_share: float | None = param(None, "share", "share of input tokens read from the provider's prompt cache "
                                       "(None: from the workload)", low=0, high=1, group="team")
    input_tokens_per_request: float | None = param(None, "tokens", "mean input tokens per request (None: from the "
                                                   "workload)", low=0, high=1e7, group="team")
    output_tokens_per_request: float | None = param(None, "tokens", "mean output tokens per request (None: from the "
                                                    "workload)", low=0, high=1e7, low_open=True, group="team")
    api_model: str = param("GPT-4.1", "", "API model the team rents: a catalog name or any provider or LiteLLM id",
                           group="rent")
    api_provider: str | None = param(None, "", "provider it is rented from (None: the model maker's own API)",
                                     group="rent")
    providers: str | None = param(None, "", "providers the team may buy tokens from, comma-separated, e.g. 'OpenAI, "
                                  "Anthropic, Groq' (None: any provider in the price catalog)", group="rent")
    prices_as_of: str | None = param(None, "date", "API price date YYYY-MM-DD (None: the latest list price)",
                                     group="rent")
    api_mix: str | None = param(None, "", "the models in the team's usage and their shares of its tokens (None: "
                                "api_model alone)", group="rent")
    api_input_usd_per_mtok: float | None = param(None, "USD per million tokens", "effective input price of the team's "
                                                 "own bill, cache reads and writes included (None: api_model's list "
                                                 "price)", low=0, high=1e4, group="rent")
    api_output_usd_per_mtok: float | None = param(None, "USD per million tokens", "effective output price of the "
                                                  "team's own bill (None: api_model's list price)", low=0, high=1e4,
                                                  group="rent")
    unpriced_share: float | None = param(None, "share", "share of the team's tokens on model ids no catalog price "
                                         "covers (priced at the bill's average)", low=0, high=1, group="rent")
    recorded_api_usd_per_month: float | None = param(None, "USD per month", "spend the usage export records, scaled "
                                                     "to a month like the tokens (None: not recorded)", low=0,
                                                     high=1e12, group="rent")
    task_class: str | None = param(None, "", "what the traffic must be good at: knowledge, reasoning, coding, math, "
                                   "instruction_following, long_context, tool_use (None: from the workload)",
                                   group="quality")
    quality_tolerance_points: float = param(3.0, "points", "how far below the current model's score (0-100) a "
                                            "candidate may score and still qualify", low=0, high=100,
                                            group="quality")
    quality_scores: str | None = param(None, "", "the team's own eval scores, a CSV of model, task_class, score "
                                       "(None: the public ones)", group="quality")
    min_saving_share: float = param(0.10, "share", "the least share of today's path's cost over the horizon a move "
                                    "must save to be worth making (a migration is not free)", low=0, high=1,
                                    group="quality")
    min_saving_usd: float = param(5000.0, "USD", "the least present value a move must save to be worth making",
                                  low=0, high=1e12, group="quality")
    open_model: str | None = param(None, "", "open model it could self-host, from data/open_models.csv (None: the "
                                   "kit searches them all)", group="own")
    gpu: str | None = param(None, "", "GPU of the self-hosted deployment, from data/gpus.csv (None: the kit "
                            "searches them all)", group="own")
    weight_format: str | None = param(None, "", "weight format of the deployment: native, fp8, int4, ... (None: "
                                      "the kit searches)", group="own")
    gpu_mode: str | None = param(None, "", "'rent' GPUs by the hour or 'buy' them (None: the kit weighs both)",
                                 group="own")
    gpu_price_basis: str | None = param(None, "", "price basis of the GPUs: on_demand, spot, committed_1y or "
                                        "committed_3y when rented, purchase when bought (None: on_demand / purchase)",
                                        group="own")
    gpus_per_replica: int | None = param(None, "GPUs", "GPUs one engine instance spans, tensor- or expert-parallel "
                                         "(None: the search chooses; weighing one deployment, the size with the most "
                                         "output per GPU)", low=1, high=128, group="own")
    engine: str | None = param(None, "", "serving engine whose calibration sizes throughput: pooled (one fit over "
                               "every engine's published results), trtllm, vllm or sglang (None: pooled)", group="own")
    min_output_tokens_per_s_per_user: float | None = param(
        None, "tokens per second", "output speed each user must see, which caps the batch (None: the workload's "
        "target; 0: none)", low=0, high=1e5, group="own")
    max_ttft_s: float | None = param(None, "seconds", "longest time to first token allowed (None: the workload's "
                                     "target, or none)", low=0, high=1e5, low_open=True, group="own")
    deployment_profile: str = param("data_centre", "", "where the GPUs run: data_centre (colocation, server, PUE) "
                                    "or workstation (none of them)", group="own")
    gpu_power_w: float | None = param(None, "W", "power each GPU draws (None: its TDP)", low=0, high=5000,
                                      low_open=True, group="own")
    measured_output_tokens_per_s: float | None = param(None, "tokens per second", "the team's own measured output "
                                                       "tokens/s of one deployment at its load (None: the roofline)",
                                                       low=0, high=1e9, low_open=True, group="own")
    target_utilisation: float = param(0.6, "share", "share of a replica's full load used at peak before adding one",
                                      low=0, high=1, low_open=True, group="own")
    peak_to_average: float = param(2.0, "ratio", "peak hour over average hour: capacity is bought for the peak",
                                   low=1, high=100, group="own")
    fte_share: float = param(0.25, "FTE", "engineer time a deployment needs, in full-time equivalents", low=0,
                             high=100, group="own")
    volume_growth_per_year: float = param(3.0, "x per year", "volume multiplier per year (1: flat)", low=0,
                                          high=1e3, low_open=True, group="outlook")
    api_price_decline_per_year: float = param(0.5, "share per year", "share the API price falls per year",
                                              low=0, high=0.999, group="outlook")
    gpu_price_decline_per_year: float = param(0.3, "share per year", "share GPU prices fall per year", low=0,
                                              high=0.999, group="outlook")
    reasoning_output_multiplier: float = param(1.0, "x", "output tokens multiplier from reasoning models (1: none)",
                                               low=1, high=1e3, group="outlook")
    horizon_months: int = param(36, "months", "months the projection and the verdict cover", low=1, high=600,
                                group="outlook")
    discount_rate_per_year: float = param(0.10, "share per year", "discount rate for present values", low=0, high=1,
                                          group="outlook")
    usage_first_date: str | None = param(None, "date", "first day of the usage the volume comes from (None: stated)",
                                         group="provenance")
    usage_last_date: str | None = param(None, "date", "last day of that usage (None: stated)", group="provenance")
    usage_days_observed: int | None = param(None, "days", "days with usage in that period (None: stated)", low=1,
                                            high=1e5, group="provenance")
    usage_tokens_observed: float | None = param(None, "tokens", "tokens in that period, before scaling to a month "
                                                "(None: stated)", low=0, high=1e18, group="provenance")

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata["low"] is not None and value is not None:
                number = self._number(f, value)
                object.__setattr__(self, f.name, int(number) if f.type.startswith("int") else number)
        self._check_text()
        self._resolve_names()
        self._resolve_profile()
        self._resolve_latency()
        if (self.api_input_usd_per_mtok is None) != (self.api_output_usd_per_mtok is None):
            raise ScenarioError("api_input_usd_per_mtok and api_output_usd_per_mtok: give both (the team's own bill) "
                                "or neither (the list price)")
        if self.input_share >= 1:
            raise ScenarioError(f"input_share: must be < 1, got {self.input_share!r}: a team with no output tokens "
                                "has nothing to serve")

    # ---- checks --------------------------------------------------------------------------------------

    @staticmethod
    def _number(f: dataclasses.Field, value) -> float:
        m = f.metadata
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise ScenarioError(f"{f.name}: expected a number ({m['unit']}), got {value!r}")
        try:
            number = float(as_array(f.name, value, low=m["low"], high=m["high"], low_open=m["low_open"]))
        except ValueError as err:  # the message names the field and the value
            raise ScenarioError(str(err)) from None
        if f.type.startswith("int") and number != round(number):
            raise ScenarioError(f"{f.name}: expected a whole number ({m['unit']}), got {value!r}")
        return number

    def _check_text(self) -> None:
        for name in OPTIONAL_TEXT:  # blank is "not chosen": the search decides
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                object.__setattr__(self, name, None)
        for name in ("team", "workload", "api_model"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ScenarioError(f"{name}: expected a non-empty name, got {value!r}")
        if self.gpu_mode is not None and self.gpu_mode not in GPU_MODES:
            raise ScenarioError(f"gpu_mode: expected one of {GPU_MODES}, got {self.gpu_mode!r}")
        bases = {"rent": RENT_BASES, "buy": ("purchase",), None: RENT_BASES + ("purchase",)}[self.gpu_mode]
        if self.gpu_price_basis is not None and self.gpu_price_basis not in bases:
            raise ScenarioError(f"gpu_price_basis: expected one of {bases} with gpu_mode {self.gpu_mode!r}, got "
                                f"{self.gpu_price_basis!r}")
        if self.task_class is not None:
            from .quality import CLASSES

            if self.task_class not in CLASSES:
                raise ScenarioError(f"task_class: expected one of {CLASSES}, got {self.task_class!r}")
        if self.engine is not None:
            from .serving import CALIBRATIONS

            if self.engine not in CALIBRATIONS:
                raise ScenarioError(f"engine: expected one of {list(CALIBRATIONS)} or blank (pooled), got "
                                    f"{self.engine!r}")
        if self.deployment_profile not in PROFILES:
            raise ScenarioError(f"deployment_profile: expected one of {PROFILES}, got {self.deployment_profile!r}")
        for name in ("prices_as_of", "usage_first_date", "usage_last_date"):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                stamp = pd.Timestamp(value)
            except (ValueError, TypeError):
                raise ScenarioError(f"{name}: expected a date YYYY-MM-DD, got {value!r}") from None
            object.__setattr__(self, name, stamp.strftime("%Y-%m-%d"))

    def _resolve_names(self) -> None:
        try:
            provider, model = resolve_api_model(self.api_model, self.api_provider)
        except KeyError as err:
            raise ScenarioError(f"api_model: {err.args[0]}") from None
        object.__setattr__(self, "api_model", model)
        object.__setattr__(self, "api_provider", provider)
        if self.providers is not None:
            from .catalog import load_api_prices

            known = sorted(load_api_prices()["provider"].unique())
            try:
                names = [lookup_name("provider", n.strip(), known) for n in self.providers.split(",") if n.strip()]
            except KeyError as err:
                raise ScenarioError(f"providers: {err.args[0]}") from None
            object.__setattr__(self, "providers", ", ".join(dict.fromkeys(names)) or None)
        for name, kind, known in (("open_model", "open model", lambda: load_open_models()["model"]),
                                  ("gpu", "GPU", lambda: load_gpus()["gpu"])):
            if getattr(self, name) is None:
                continue
            try:
                object.__setattr__(self, name, lookup_name(kind, getattr(self, name), known()))
            except KeyError as err:
                raise ScenarioError(f"{name}: {err.args[0]}") from None

    def _resolve_profile(self) -> None:
        # which fields the workload profile filled in, so a report can say so (not a field: not a parameter)
        object.__setattr__(self, "profiled", tuple(k for k in PROFILE_FIELDS if getattr(self, k) is None))
        if not self.profiled:
            return
        profiles = load_workloads().set_index("workload")
        try:
            name = lookup_name("workload", self.workload, profiles.index)
        except KeyError as err:
            missing = [k for k in PROFILE_FIELDS if getattr(self, k) is None]
            raise ScenarioError(f"workload: {err.args[0]} (a named profile is needed for {missing})") from None
        object.__setattr__(self, "workload", name)
        chat = profiles.loc["chat"]
        for k in PROFILE_FIELDS:
            if getattr(self, k) is None:
                value = profiles.at[name, k]
                # profiles without request lengths (the article's 25/75 mix) borrow chat's measured ones
                object.__setattr__(self, k, float(chat[k] if pd.isna(value) else value))

    def _resolve_latency(self) -> None:
        """The latency target left blank comes from the workload profile (none where it states none)."""
        profiles = load_workloads().set_index("workload")
        if self.workload not in profiles.index:
            return
        for k in LATENCY_FIELDS:
            value = profiles.at[self.workload, k] if k in profiles.columns else np.nan
            if getattr(self, k) is None and pd.notna(value):
                object.__setattr__(self, k, float(value))

    # ---- construction --------------------------------------------------------------------------------

    @classmethod
    def from_row(cls, row: dict) -> Scenario:
        """A scenario from text or typed values (a teams-CSV row, papermill parameters): blanks take defaults,
        numbers are parsed, unknown fields are refused by name."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(row) - set(known))
        if unknown:
            hints = "".join(f"; did you mean {hint!r} for {u!r}" for u in unknown if (hint := lookup_hint(u, known)))
            raise ScenarioError(f"unknown field(s) {unknown}{hints}; known: {sorted(known)}")
        values = {}
        for name, value in row.items():
            if _blank(value):
                continue
            f = known[name]
            if f.metadata["low"] is not None and isinstance(value, str):
                try:
                    value = float(value.replace(",", "").replace("_", ""))
                except ValueError:
                    raise ScenarioError(f"{name}: expected a number ({f.metadata['unit']}), got {value!r}") from None
            elif f.metadata["low"] is None and not isinstance(value, str):
                value = str(value)
            values[name] = value.strip() if isinstance(value, str) else value
        return cls(**values)

    @classmethod
    def field_names(cls) -> list[str]:
        """Every parameter's name, in order."""
        return [f.name for f in fields(cls)]

    def replace(self, **changes) -> Scenario:
        """A copy with some fields changed (checked again). A new api_model without an api_provider is rented
        from its own maker, not from the provider the old model was resolved to."""
        if "api_model" in changes and "api_provider" not in changes:
            changes["api_provider"] = None
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        """Every field and its value, e.g. for papermill."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def describe(cls) -> pd.DataFrame:
        """The fields: name, default, unit, meaning, allowed range."""
        rows = []
        for f in fields(cls):
            m = f.metadata
            rng = "" if m["low"] is None else f"{'(' if m['low_open'] else '['}{m['low']:g}, {m['high']:g}]"
            rows.append({"parameter": f.name, "default": f.default, "unit": m["unit"], "meaning": m["meaning"],
                         "range": rng, "group": m["group"]})
        return pd.DataFrame(rows)

    @classmethod
    def parameters_cell(cls, names: list[str] | None = None, values: dict | None = None) -> str:
        """The papermill `parameters` cell for `names` (all fields by default): `name: type = default  # meaning`."""
        by_name = {f.name: f for f in fields(cls)}
        lines = []
        for name in names or list(by_name):
            f = by_name[name]
            value = (values or {}).get(name, f.default)
            kind = f.type.split(" | ")[0]
            lines.append(f"{name}: {kind} = {_literal(value)}  # {f.metadata['meaning']}")
        return "\n".join(lines)

    # ---- the inputs of the cost functions ------------------------------------------------------------

    @cached_property
    def api_row(self) -> pd.Series:
        """The API price row in force for this scenario (latest list price, or on `prices_as_of`)."""
        return api_price(self.api_model, self.prices_as_of, provider=self.api_provider)

    @property
    def from_bill(self) -> bool:
        """Whether the API prices are the team's own bill (priced from its usage) rather than a list price."""
        return self.api_input_usd_per_mtok is not None and self.api_output_usd_per_mtok is not None

    @cached_property
    def api_usd_per_mtok(self) -> float:
        """Blended API price per million tokens at this team's mix: its own bill's effective prices when known,
        else the list price (cached input at the cache-read price)."""
        if self.from_bill:
            return float(blended_price(self.api_input_usd_per_mtok, self.api_output_usd_per_mtok, self.input_share))
        return float(monthly_api_cost(self.api_model, 1e6, self.input_share, self.api_cached_share,
                                      as_of=self.prices_as_of, provider=self.api_provider))

    @property
    def api_cached_share(self) -> float:
        """The cached share the API bill uses: 0 where the price states no cache-read price, or where the bill's
        effective input price already includes the cache discount."""
        if self.from_bill or np.isnan(self.api_row["cached_input_usd_per_mtok"]):
            return 0.0
        return self.cached_share

    @cached_property
    def own(self) -> OwnCost:
        """Owning's cost law for this team's deployment (`owning.own_cost_structure`)."""
        missing = [n for n in ("open_model", "gpu", "weight_format", "gpu_mode") if getattr(self, n) is None]
        if missing:
            raise ScenarioError(f"{', '.join(missing)}: left to the search; `search.recommend` chooses them "
                                "(or set them to weigh one deployment)")
        if self.measured_output_tokens_per_s is not None and self.gpus_per_replica is None:
            raise ScenarioError("measured_output_tokens_per_s: give gpus_per_replica too, the GPUs it was measured on")
        try:
            return self._own_cost()
        except ValueError as err:  # e.g. the model does not fit, or cannot meet the latency target
            raise ScenarioError(str(err)) from None

    def _own_cost(self) -> OwnCost:
        return own_cost_structure(self.open_model, self.gpu, self.weight_format, self.input_tokens_per_request,
                                  self.output_tokens_per_request, mode=self.gpu_mode, price_basis=self.price_basis,
                                  num_gpus=self.gpus_per_replica, engine=self.engine, cached_share=self.cached_share,
                                  min_output_tokens_per_s_per_user=self.min_output_tokens_per_s_per_user or None,
                                  max_ttft_s=self.max_ttft_s,
                                  profile=self.deployment_profile, gpu_power_w=self.gpu_power_w,
                                  measured_output_tokens_per_s=self.measured_output_tokens_per_s,
                                  peak_to_average=self.peak_to_average, target_utilisation=self.target_utilisation,
                                  fte_share=self.fte_share)

    @property
    def allowed_providers(self) -> tuple[str, ...] | None:
        """The providers the team may buy tokens from (catalog spelling), None when any will do."""
        return tuple(self.providers.split(", ")) if self.providers else None

    @property
    def price_basis(self) -> str:
        """The GPU price basis in use: the stated one, else on-demand rent or purchase."""
        if self.gpu_price_basis:
            return self.gpu_price_basis
        return {"rent": "on_demand", "buy": "purchase"}.get(self.gpu_mode, "on_demand")

    @property
    def resolved_task_class(self) -> str:
        """The task class the traffic is judged on: the stated one, else the workload's."""
        from .quality import task_class_for

        return self.task_class or task_class_for(self.workload)

    def rent_inputs(self) -> dict:
        """Keyword arguments of `projection.rent_arrays`: the API side of this scenario."""
        row = self.api_row
        cached = row["cached_input_usd_per_mtok"]
        prices = ((self.api_input_usd_per_mtok, self.api_output_usd_per_mtok) if self.from_bill
                  else (row["input_usd_per_mtok"], row["output_usd_per_mtok"]))
        return dict(api_input_usd_per_mtok=prices[0], api_output_usd_per_mtok=prices[1],
                    input_share=self.input_share, cached_share=self.api_cached_share,
                    cached_input_usd_per_mtok=None if np.isnan(cached) or self.from_bill else cached,
                    horizon_months=self.horizon_months, volume_growth_per_year=self.volume_growth_per_year,
                    api_price_decline_per_year=self.api_price_decline_per_year,
                    reasoning_output_multiplier=self.reasoning_output_multiplier)

    def projection_inputs(self) -> dict:
        """Keyword arguments of `projection.project` / `project_arrays` for this scenario (its deployment chosen)."""
        return self.rent_inputs() | dict(
            own=self.own, gpu_price_decline_per_year=self.gpu_price_decline_per_year,
            hardware_refresh_months=refresh_months(self.gpu_mode))

    @property
    def from_usage(self) -> bool:
        """Whether the volume comes from a usage export (then its period is known)."""
        return self.usage_days_observed is not None


def refresh_months(gpu_mode: str) -> int | None:
    """Months between repricings of the hardware: rented follows the market monthly (None); bought hardware is
    bought again at the end of its amortisation life."""
    return None if gpu_mode == "rent" else round(assumption("amortisation_years") * 12)


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _literal(value) -> str:
    """A Python literal people read: 1e+09 rather than 1000000000.0."""
    if isinstance(value, float) and (abs(value) >= 1e5 or (value and abs(value) < 1e-3)):
        return f"{value:g}"
    return repr(value)


def lookup_hint(name: str, known) -> str | None:
    """The closest known field name to a misspelt one, or None."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return close[0] if close else None
