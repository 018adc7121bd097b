"""The rollup of a day must run before that day's raw stock events are pruned."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

# The nightly rollup (00:20) covers yesterday; the prune (04:17) keeps this many days at least.
MIN_STOCK_LOG_DAYS = 2


@register()
def stock_log_outlives_rollup(app_configs, **kwargs):
    if settings.LIVESTOCK_EVENTS_RETENTION_DAYS < MIN_STOCK_LOG_DAYS:
        return [
            Error(
                "LIVESTOCK_EVENTS_RETENTION_DAYS must be at least "
                f"{MIN_STOCK_LOG_DAYS}: the daily rollup reads yesterday's stock events.",
                id="insights.E001",
            )
        ]
    return []
