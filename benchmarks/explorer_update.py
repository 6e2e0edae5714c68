"""Explorer update speed: recompute the scenario and redraw (PNG, as the inline backend does) per slider move.

Drives `Explorer.update` directly over 30 different slider positions and prints the median; the baseline
in the same run is a cold redraw (a new figure with tight_layout, as the static charts do).
Run: .venv/bin/python benchmarks/explorer_update.py
"""

import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from tokenomics import explore  # noqa: E402

MOVES = 30


def positions():
    for i in range(MOVES):
        yield explore.DEFAULT | {"tokens_per_month": 10 ** (7 + i * 0.15), "target_utilisation": 0.2 + 0.025 * i,
                                 "volume_growth_per_year": 1 + i % 5, "gpu_mode": "rent" if i % 2 else "buy"}


def timed_updates(explorer) -> list[float]:
    times = []
    for values in positions():
        start = time.perf_counter()
        explorer.update(**values)
        explorer.figure.savefig(io.BytesIO(), format="png")
        times.append(time.perf_counter() - start)
    return times


def cold_redraws() -> list[float]:
    times = []
    for values in positions():
        start = time.perf_counter()
        fig = explore.draw(explore.scenario_numbers(**values))
        fig.tight_layout()
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    from IPython.utils.capture import capture_output

    with capture_output():
        explorer = explore.Explorer()
        warm = statistics.median(timed_updates(explorer))
    cold = statistics.median(cold_redraws())
    print(f"explorer update (recompute + redraw + PNG), median of {MOVES} moves: {warm * 1000:.0f} ms (target < 200 ms)")
    print(f"cold redraw with a new figure and tight_layout, same moves:    {cold * 1000:.0f} ms")
    print(f"ratio cold / update: {cold / warm:.1f}x")


if __name__ == "__main__":
    main()
