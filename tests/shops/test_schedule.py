"""Daily upkeep runs at the Seoul hour it names, whatever clock huey matches against."""

from datetime import datetime

import pytest

from livestock.tasks import prune_stock_log
from pickup.tasks import purge_expired_phones
from shops.schedule import seoul_crontab


def test_a_seoul_crontab_matches_the_seoul_hour_given_a_utc_moment():
    four_seventeen = seoul_crontab(minute="17", hour="4")
    assert four_seventeen(datetime(2026, 12, 2, 19, 17))  # 04:17 on the 3rd in Seoul
    assert not four_seventeen(datetime(2026, 12, 2, 4, 17))  # 13:17 in Seoul


def test_the_seoul_day_of_week_is_the_one_matched():
    mondays = seoul_crontab(minute="0", hour="8", day_of_week="1")
    assert mondays(datetime(2026, 11, 29, 23, 0))  # Sunday 23:00 UTC is Monday 08:00 in Seoul
    assert not mondays(datetime(2026, 11, 30, 23, 0))


@pytest.mark.parametrize("task", [prune_stock_log, purge_expired_phones])
def test_daily_upkeep_runs_at_four_seventeen_in_seoul(task):
    runs_at = task.task_class().validate_datetime
    matching = [hour for hour in range(24) if runs_at(datetime(2026, 12, 2, hour, 17))]
    assert matching == [19]  # 19:17 UTC is 04:17 in Seoul
