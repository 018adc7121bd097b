from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("가게 숫자")

    def ready(self) -> None:
        from insights import checks  # noqa: F401  (registers the retention check)
