"""How do we show it? Numbers as people write them, and tables that are real HTML on a page.

A report is read by someone who will not open the code: 2.5 B tokens, $7,318, $1.2 M, 38 %, "never"
and "—" where that is the meaning — never `2.5e+09`, `NaN`, `inf` or `None`. `table()` wraps a frame
of such text so a notebook shows an HTML table (in JupyterLab and the HTML reports) and plain text
(which nbval compares).
"""

from __future__ import annotations

import html
import math
from datetime import date, datetime

import numpy as np
import pandas as pd

DASH = "—"
_SCALES = (("T", 1e12), ("B", 1e9), ("M", 1e6))


def _missing(x) -> bool:
    return x is None or (isinstance(x, float | np.floating) and math.isnan(x)) or x is pd.NaT


def _scaled(x, infinite: str, prefix: str, scales) -> tuple[str | None, str, float]:
    """Shared by `tokens` and `usd`: the text for a missing or infinite value, or `prefix` + three significant
    digits of the largest scale `x` reaches ('$1.2 M', '2.5 B'); else None with the sign and |x|."""
    if _missing(x):
        return DASH, "", 0.0
    v = float(x)
    if math.isinf(v):
        return infinite, "", v
    sign, v = ("-" if v < 0 else ""), abs(v)
    for unit, scale in scales:
        if v >= scale * 0.9995:
            return f"{sign}{prefix}{_sig3(v / scale)} {unit}", sign, v
    return None, sign, v


def tokens(x, *, infinite: str = "never") -> str:
    """A token count: '950', '12 k', '300 M', '2.5 B', '1.2 T' (three significant digits); `infinite` for inf."""
    text, sign, v = _scaled(x, infinite, "", _SCALES + (("k", 1e3),))
    return text if text is not None else f"{sign}{_sig3(v)}"


def _sig3(v: float) -> str:
    """Three significant digits without an exponent: 2.5, 35.6, 950, 1,200."""
    return f"{v:,.0f}" if v >= 999.5 else f"{float(f'{v:.3g}'):g}"


def usd(x, *, infinite: str = DASH) -> str:
    """Money: '$0.125', '$19.50', '$7,318', '$1.2 M', '$3.45 B'; negative as '-$1,234'."""
    text, sign, v = _scaled(x, infinite, "$", _SCALES)
    if text is not None:
        return text
    if v >= 999.5:
        return f"{sign}${v:,.0f}"
    if v < 0.0005:  # below a twentieth of a cent: nothing to show, and no sign
        return "$0"
    if v >= 1:
        return f"{sign}${v:,.2f}"
    text = f"{v:.3g}"  # three significant digits, at least to the cent: $0.50, $0.585, $0.0625
    return f"{sign}${text if len(text.split('.')[-1]) >= 2 else f'{v:.2f}'}"


def usd_per_mtok(x) -> str:
    """A per-token price: '$2.50 per M tokens'."""
    return DASH if _missing(x) else f"{usd(x)} per M tokens"


def share(x, *, digits: int = 0) -> str:
    """A share 0..1 as a percentage: '38 %', '0.4 %', '99.7 %' (shares within 1 point of 0 % or 100 % but not
    there keep one decimal, so 99.66 % never reads as all)."""
    if _missing(x):
        return DASH
    v = float(x) * 100
    if math.isinf(v):
        return DASH
    if digits == 0 and (0 < abs(v) < 1 or 99 < abs(v) < 100):
        return f"{min(v, 99.9) if v > 0 else max(v, -99.9):.1f} %"
    return f"{v:.{digits}f} %"


def plural(n, word: str) -> str:
    """'1 replica', '3 replicas'."""
    return f"{count(n)} {word}{'' if float(n) == 1 else 's'}"


def count(x) -> str:
    """A whole count with thousands separators: '1,234'."""
    return DASH if _missing(x) or math.isinf(float(x)) else f"{float(x):,.0f}"


def month(x, *, never: str = "never") -> str:
    """A month index of a projection: 'month 5', 'now' for month 0, `never` for None / NaN / inf."""
    if _missing(x) or math.isinf(float(x)):
        return never
    return "now" if int(x) == 0 else f"month {int(x)}"


def day(x) -> str:
    """A date as YYYY-MM-DD, '—' when missing."""
    if _missing(x):
        return DASH
    if isinstance(x, str):
        return x[:10]
    if isinstance(x, datetime | date | pd.Timestamp):
        return x.strftime("%Y-%m-%d")
    return str(x)


TABLE_CSS = ("<style>.tk-table{border-collapse:collapse;font-size:.92rem;margin:.4rem 0 1rem 0}"
             "table.tk-table th{text-align:left !important;border-bottom:2px solid #444;padding:.3rem .7rem}"
             "table.tk-table td{text-align:left !important;border-bottom:1px solid #ddd;padding:.3rem .7rem;"
             "vertical-align:top}"
             "table.tk-table tr:nth-child(odd){background:none}"
             "table.tk-table td.num{text-align:right !important;white-space:nowrap}"
             ".tk-table caption{caption-side:top;text-align:left;font-weight:600;padding:.2rem 0}</style>")


class Table:
    """A frame of display text: HTML table in notebooks and reports, plain text for nbval and terminals."""

    def __init__(self, frame: pd.DataFrame, caption: str = "", index: bool = False):
        self.frame = frame.astype(str)
        self.caption = caption
        self.index = index

    def __repr__(self) -> str:
        text = self.frame.to_string(index=self.index)
        return f"{self.caption}\n{text}" if self.caption else text

    def _repr_html_(self) -> str:
        frame = self.frame.reset_index() if self.index else self.frame
        numeric = [_looks_numeric(frame[c]) for c in frame.columns]
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
        cells = ("<td class='num'>{}</td>", "<td>{}</td>")
        rows = "".join("<tr>" + "".join(cells[not num].format(html.escape(v)) for v, num in zip(row, numeric)) + "</tr>"
                       for row in frame.itertuples(index=False))
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f"{TABLE_CSS}<table class='tk-table'>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _looks_numeric(column: pd.Series) -> bool:
    """Right-align columns of figures ('$1,234', '38 %', '2.5 B', '—')."""
    text = column.astype(str).str.strip()
    figures = text.str.match(r"^-?\$?[\d.,]+( ?[kMBT%]| %)?( per M tokens)?$") | (text == DASH)
    return bool(len(text)) and bool(figures.all()) and not bool((text == DASH).all())


def table(frame: pd.DataFrame, caption: str = "", index: bool = False) -> Table:
    """Show `frame` (already formatted as text, e.g. with `usd` / `tokens` / `share`) as a table."""
    return Table(frame, caption, index)


def key_values(items: dict[str, str], caption: str = "") -> Table:
    """A two-column table of labelled figures: what a headline number rests on."""
    return Table(pd.DataFrame({"what": list(items), "figure": [str(v) for v in items.values()]}), caption)


class Card:
    """A block of prose or a headline: HTML on a page, the same words as plain text for nbval."""

    def __init__(self, html_text: str, plain: str):
        self.html_text, self.plain = html_text, plain

    def __repr__(self) -> str:
        return self.plain

    def _repr_html_(self) -> str:
        return self.html_text


def paragraph(text: str) -> Card:
    """One paragraph of prose computed from the numbers (escaped)."""
    return Card(f"<p>{html.escape(text)}</p>", text)


def headline_card(kicker: str, headline: str, lines: list[str], colour: str = "#1f4e79") -> Card:
    """The report's first block: a small kicker, the headline in large type, then short lines (all escaped)."""
    body = "".join(f"<div style='font-size:.95rem;margin-top:.35rem'>{html.escape(line)}</div>" for line in lines)
    page = (f"<div style='border-left:8px solid {colour};padding:.7rem 1.2rem;margin:.2rem 0 1rem 0;"
            f"background:#f7f7f7'><div style='font-size:.9rem;color:#555'>{html.escape(kicker)}</div>"
            f"<div style='font-size:1.45rem;font-weight:700;line-height:1.3;margin:.3rem 0'>{html.escape(headline)}"
            f"</div>{body}</div>")
    return Card(page, "\n".join([kicker, headline, *lines]))
