"""GET /api/shops/<slug>/stats and the CSV export: the contract's shape, the figures, and
every bad range answered 422 (never a 500, never a partial answer)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client

from insights import services
from tests import factories
from tests.insights.conftest import CHANNELS

pytestmark = pytest.mark.django_db

CONTRACT_KEYS = {
    "date",
    "reservations",
    "picked_up",
    "no_shows",
    "cancelled",
    "units_reserved",
    "units_picked_up",
    "revenue_won",
    "visits",
    "visits_by_channel",
}


def stats_url(shop, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/shops/{shop.slug}/stats" + (f"?{query}" if query else "")


def test_the_range_has_one_row_per_day_with_the_contract_keys_and_matches_the_history(history, api):
    services.roll_up_pending(today=history.today)
    first, last = history.days[0], history.today
    response = api.get(stats_url(history.shop, **{"from": first, "to": last}))
    assert response.status_code == 200, response.content
    body = response.json()
    assert [d["date"] for d in body["days"]] == [
        (first + timedelta(days=k)).isoformat() for k in range((last - first).days + 1)
    ]
    for row in body["days"]:
        assert CONTRACT_KEYS <= set(row)
        assert set(row["visits_by_channel"]) == set(CHANNELS)
    assert body["totals"]["day_count"] == len(body["days"])
    [cafe] = body["totals"]["pickup_points"]
    assert cafe["name"] == "골목 카페"
    assert cafe["reservations"] == sum(history.expected[d].reservations for d in history.days)
    assert cafe["picked_up"] == sum(history.expected[d].picked_up for d in history.days)
    by_date = {row["date"]: row for row in body["days"]}
    for day in history.days:
        expected, row = history.expected[day], by_date[day.isoformat()]
        for key in CONTRACT_KEYS - {"date"}:
            assert row[key] == getattr(expected, key), (day, key)
    for key in ("reservations", "picked_up", "no_shows", "cancelled", "revenue_won", "visits"):
        assert body["totals"][key] == sum(getattr(history.expected[d], key) for d in history.days)
    assert body["totals"]["visits_by_channel"] == {
        c: sum(history.expected[d].visits_by_channel[c] for d in history.days) for c in CHANNELS
    }
    best = body["listings"][0]
    assert best["name"] == "단감"
    assert best["units_reserved"] == sum(
        history.expected[d].items.get("단감", {}).get("units_reserved", 0) for d in history.days
    )
    assert best["average_sold_out_seconds"] == 3 * 3600 + 12 * 60


def test_today_is_counted_live_and_defaults_are_the_last_30_days(shop, api, clock):
    point = factories.make_cafe(shop, "골목 카페")
    listing = factories.make_listing(shop)
    factories.make_reservation(shop, listing, point, quantity=2)
    body = api.get(stats_url(shop)).json()
    assert len(body["days"]) == 30
    today = body["days"][-1]
    assert today["date"] == "2026-11-20"
    assert (today["reservations"], today["units_reserved"]) == (1, 2)
    assert all(d["reservations"] == 0 for d in body["days"][:-1])


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-11-20", "to": "2026-11-01"}, "invalid_range"),
        ({"from": "2024-01-01", "to": "2026-11-20"}, "range_too_long"),
        ({"from": "2026-13-01"}, "invalid_date"),
        ({"from": "2026-02-30"}, "invalid_date"),
        ({"to": "yesterday"}, "invalid_date"),
        ({"from": "20261101"}, "invalid_date"),
        ({"from": "2026-W47-1"}, "invalid_date"),
        ({"from": "2026-11-01T00:00"}, "invalid_date"),
        ({"to": "%00"}, None),
        ({"from": "9999-12-31"}, "invalid_date"),
        ({"to": "1999-12-31"}, "invalid_date"),
        ({"from": "0001-01-01", "to": "2026-11-20"}, "invalid_date"),
        ({"from": "２０２６-11-01"}, "invalid_date"),
    ],
)
def test_bad_ranges_are_422_with_a_korean_sentence(api, shop, clock, params, code):
    response = api.get(stats_url(shop, **params))
    assert 400 <= response.status_code < 500
    body = response.json()
    if code is not None:
        assert response.status_code == 422
        assert body["code"] == code
    assert body["detail"] and any("\uac00" <= ch <= "\ud7a3" for ch in body["detail"])


def test_two_years_is_the_longest_range(api, shop, clock):
    ok = api.get(stats_url(shop, **{"from": "2024-11-20", "to": "2026-11-19"}))
    assert ok.status_code == 200
    assert len(ok.json()["days"]) == 730


def test_only_the_shops_managers_and_its_token_see_its_numbers(shop, other_shop, clock):
    assert Client().get(stats_url(shop)).status_code == 401
    other = Client(headers={"Authorization": f"Bearer {factories.make_token(other_shop)}"})
    assert other.get(stats_url(shop)).status_code == 403
    staff = Client()
    staff.force_login(factories.make_owner(shop, "staff", role="staff"))
    assert staff.get(stats_url(shop)).status_code == 403
    manager = Client()
    manager.force_login(factories.make_owner(shop, "manager", role="manager"))
    assert manager.get(stats_url(shop)).status_code == 200


# --- CSV -------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for Korean
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_of_daily_rows_and_of_listing_rows(history, owner_client):
    services.roll_up_pending(today=history.today)
    first, last = history.days[0], history.days[-1]
    url = f"/owner/s/{history.shop.slug}/stats.csv?from={first}&to={last}"
    response = owner_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    header, data = rows[0], rows[1:]
    assert header[:4] == ["날짜", "예약", "수령", "노쇼"]
    assert [row[0] for row in data] == [d.isoformat() for d in history.days]
    revenue = header.index("매출(원)")
    for day, row in zip(history.days, data, strict=True):
        assert int(row[1]) == history.expected[day].reservations
        assert int(row[revenue]) == history.expected[day].revenue_won

    listings = read_csv(owner_client.get(url + "&rows=listings"))
    assert listings[0][:3] == ["날짜", "상품", "단위"]
    danggam = [row for row in listings[1:] if row[1] == "단감"]
    assert len(danggam) == sum(1 for d in history.days if "단감" in history.expected[d].items)
    sold_out = [row for row in danggam if row[-1]]
    assert sold_out and {row[-1] for row in sold_out} == {"192"}  # 3 h 12 min
    assert {row[-2] for row in sold_out} == {"12:12"}


def test_csv_cells_never_run_as_a_spreadsheet_formula(shop, owner_client, clock):
    point = factories.make_cafe(shop, "골목 카페")
    listing = factories.make_listing(shop, '=HYPERLINK("http://evil","x")')
    factories.make_reservation(shop, listing, point)
    rows = read_csv(owner_client.get(f"/owner/s/{shop.slug}/stats.csv?rows=listings"))
    assert rows[1][1].startswith("'=")


def test_csv_bad_range_is_422_and_other_shops_are_404(shop, other_shop, owner_client, clock):
    response = owner_client.get(f"/owner/s/{shop.slug}/stats.csv?from=2026-11-20&to=2026-01-01")
    assert response.status_code == 422
    assert "종료일" in response.content.decode()
    assert owner_client.get(f"/owner/s/{other_shop.slug}/stats.csv").status_code == 404
    assert Client().get(f"/owner/s/{shop.slug}/stats.csv").status_code == 302  # sign in first
