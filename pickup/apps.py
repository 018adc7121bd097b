from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PickupConfig(AppConfig):
    name = "pickup"
    verbose_name = _("픽업")

    def ready(self) -> None:
        from pickup import signals  # noqa: F401
