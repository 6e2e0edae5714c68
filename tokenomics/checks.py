"""Argument checks shared by the cost functions: one clear error naming the parameter and value."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np


def _first_bad(values: np.ndarray, bad: np.ndarray):
    """The first offending value of an array, for the error message."""
    return float(values[bad].flat[0]) if values.ndim else values.item()


def as_array(name: str, value, *, low: float | None = 0.0, high: float | None = None,
             low_open: bool = False) -> np.ndarray:
    """`value` as a float array, or ValueError naming `name` when it is NaN or out of [low, high]."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    nan = np.isnan(arr)
    if nan.any():
        raise ValueError(f"{name} must not be NaN, got {value!r}")
    if low is not None:
        bad = arr <= low if low_open else arr < low
        if bad.any():
            op = ">" if low_open else ">="
            raise ValueError(f"{name} must be {op} {low:g}, got {_first_bad(arr, bad)!r}")
    if high is not None:
        bad = arr > high
        if bad.any():
            raise ValueError(f"{name} must be <= {high:g}, got {_first_bad(arr, bad)!r}")
    return arr


def as_share(name: str, value) -> np.ndarray:
    """A share in 0..1 (inclusive)."""
    return as_array(name, value, low=0.0, high=1.0)


def scalar_or_array(result: np.ndarray):
    """Return a Python float for 0-d results, so scalar in gives scalar out."""
    return float(result) if np.ndim(result) == 0 else result


def lookup_name(kind: str, name: str, known: Iterable[str]) -> str:
    """The catalog spelling of `name` (case-insensitive), or KeyError listing the closest names."""
    known = list(dict.fromkeys(known))
    if not isinstance(name, str):
        raise KeyError(f"unknown {kind} {name!r}: expected a name, one of {known}")
    by_lower = {k.lower(): k for k in known}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.4)
    hint = [by_lower[c] for c in close] or known[:10]
    raise KeyError(f"unknown {kind} {name!r}; closest: {', '.join(map(repr, hint))}")


#: Names IPython itself puts in a notebook's namespace.
IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})


def _known_names(kind: str) -> list[str]:
    from .catalog import load_api_prices, load_gpus, load_open_models, load_workloads
    from .memory import BITS_PER_WEIGHT

    return {"api_model": lambda: load_api_prices()["model"], "open_model": lambda: load_open_models()["model"],
            "gpu": lambda: load_gpus()["gpu"], "workload": lambda: load_workloads()["workload"],
            "weight_format": lambda: list(BITS_PER_WEIGHT)}[kind]()


def _check_one(name: str, value, kind: str) -> None:
    """One notebook parameter against its kind: ValueError naming the parameter and the value."""
    import pandas as pd

    if kind.startswith("list:"):
        if not isinstance(value, list | tuple) or not value:
            raise ValueError(f"parameter {name}: expected a non-empty list, got {value!r}")
        for item in value:
            _check_one(name, item, kind.removeprefix("list:"))
        return
    if kind in ("api_model", "open_model", "gpu", "workload", "weight_format"):
        try:
            lookup_name(kind.replace("_", " "), value, _known_names(kind))
        except KeyError as err:
            raise ValueError(f"parameter {name}: {err.args[0]}") from None
    elif kind == "date":
        try:
            ok = isinstance(value, str) and pd.Timestamp(value) is not pd.NaT
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"parameter {name}: expected a date YYYY-MM-DD, got {value!r}")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"parameter {name}: expected True or False, got {value!r}")
    elif kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"parameter {name}: expected a non-empty text, got {value!r}")
    else:
        low, high, low_open, whole = PARAMETER_KINDS[kind]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"parameter {name}: expected a number, got {value!r}")
        as_array(f"parameter {name}", value, low=low, high=high, low_open=low_open)
        if whole and value != int(value):
            raise ValueError(f"parameter {name}: expected a whole number, got {value!r}")


#: Numeric kinds of notebook parameters: (low, high, low exclusive, whole number).
PARAMETER_KINDS = {
    "tokens": (0, 1e15, True, False), "share": (0, 1, False, False), "positive": (0, None, True, False),
    "count": (1, 1e7, False, True), "bits": (1, 32, False, False), "usd": (0, None, False, False),
    "api_model": None, "open_model": None, "gpu": None, "workload": None, "weight_format": None,
    "date": None, "bool": None, "text": None,
}


def notebook_parameters(namespace: dict, kinds: dict[str, str]) -> None:
    """Check a notebook's parameters right after its parameters cell, so bad values fail first, by name.

    `kinds` maps each parameter to its kind: a key of PARAMETER_KINDS, or "list:KIND" for a list of them.
    A name in the namespace that is no parameter (a misspelt `papermill -p`) is refused with the closest
    known name; otherwise it would run silently on the defaults.
    """
    import types

    unknown = [k for k, v in namespace.items() if not k.startswith("_") and k not in kinds and k not in IPYTHON_NAMES
               and not isinstance(v, types.ModuleType | types.FunctionType | type)]
    if unknown:
        hints = [difflib.get_close_matches(u, list(kinds), n=1, cutoff=0.6) for u in unknown]
        said = "; ".join(f"{u!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for u, h in zip(unknown, hints))
        raise ValueError(f"unknown parameter(s) {said}; this notebook takes: {', '.join(kinds)}")
    for name, kind in kinds.items():
        if name not in namespace:
            raise ValueError(f"parameter {name} is missing from the parameters cell")
        _check_one(name, namespace[name], kind)
