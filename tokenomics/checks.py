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
