"""The pure modules: Korean numbers, the SVG charts and the forecast (no Django, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from insights import charts, forecast, korean


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "0원"),
        (9_999, "9,999원"),
        (10_000, "1만 원"),
        (45_000, "4만 5,000원"),
        (1_234_567, "123만 4,567원"),
        (100_000_000, "1억 원"),
        (123_456_789, "1억 2,345만 6,789원"),
        (200_000_500, "2억 500원"),
        (-15_000, "-1만 5,000원"),
    ],
)
def test_won_in_man_and_eok(amount, text):
    assert korean.won_korean(amount) == text


@pytest.mark.parametrize(
    ("amount", "text"),
    [(980, "980원"), (45_000, "4.5만 원"), (1_234_567, "123만 원"), (250_000_000, "2.5억 원")],
)
def test_won_short_for_axes(amount, text):
    assert korean.won_short(amount) == text


def test_durations_clock_times_and_rates():
    assert korean.duration_korean(11_520) == "3시간 12분"
    assert korean.duration_korean(3_600) == "1시간"
    assert korean.duration_korean(59) == "1분 미만"
    assert korean.duration_korean(None) == "–"
    assert korean.clock_korean(14 * 60 + 10) == "14:10"
    assert korean.percent(1, 3) == 33.3
    assert korean.percent(1, 0) is None


def test_column_chart_draws_one_bar_per_value_and_escapes_text():
    svg = charts.column_chart(
        chart_id="c",
        title="<b>예약</b>",
        labels=["1/1", "1/2", "<x>"],
        series=[charts.Series("예약", [3, 0, 7]), charts.Series("수령", [1, 2, 5])],
    )
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert 'role="img"' in svg and '<title id="c-t">&lt;b&gt;예약&lt;/b&gt;</title>' in svg
    assert svg.count('class="chart-s0"') == 3 and svg.count('class="chart-s1"') == 3
    assert "<x>" not in svg and "&lt;x&gt;" in svg
    assert "style=" not in svg  # colours come from the stylesheet (strict CSP)


def test_charts_survive_empty_and_all_zero_data():
    assert "<svg" in charts.column_chart(chart_id="e", title="t", labels=[], series=[])
    zero = charts.column_chart(
        chart_id="z", title="t", labels=["a"], series=[charts.Series("s", [0])]
    )
    assert 'height="0.0"' in zero
    bars = charts.bar_list(chart_id="b", title="t", labels=[], series=[charts.Series("s", [])])
    assert bars.endswith("</svg>")


def test_bar_list_scales_to_the_largest_value_and_labels_each_bar():
    svg = charts.bar_list(
        chart_id="b",
        title="t",
        labels=["단감", "사과"],
        series=[charts.Series("s", [200, 50])],
        value_label=lambda v: f"{v:g}팩",
    )
    assert "200팩" in svg and "50팩" in svg
    widths = [float(w) for w in __import__("re").findall(r'width="([\d.]+)" height', svg)]
    assert widths[0] == pytest.approx(4 * widths[1])


def test_nice_axis_maximum():
    assert [charts.nice_max(v) for v in (0, 3, 7, 11, 180, 2400)] == [1, 5, 10, 20, 200, 2500]


def test_forecast_averages_the_same_weekday_and_skips_one_off_items():
    mondays = forecast.same_weekdays(date(2026, 11, 23))
    assert mondays == [date(2026, 11, 16), date(2026, 11, 9), date(2026, 11, 2), date(2026, 10, 26)]
    rows = [
        forecast.ItemDay(mondays[0], "단감", "팩", 200, 14 * 60, 5 * 3600),
        forecast.ItemDay(mondays[1], "단감", "팩", 170, 14 * 60 + 20, None),
        forecast.ItemDay(mondays[2], "단감", "팩", 170, None, None),
        forecast.ItemDay(mondays[3], "단감", "팩", 180, None, None),
        forecast.ItemDay(mondays[0], "무화과", "팩", 30, None, None),
    ]
    [danggam] = forecast.forecast(rows)
    assert (danggam.name, danggam.days_seen, danggam.average_sold, danggam.suggested) == (
        "단감",
        4,
        180.0,
        180,
    )
    assert danggam.days_sold_out == 2
    assert korean.clock_korean(danggam.average_sold_out_minute) == "14:10"
    assert forecast.forecast([]) == []
