from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = _("연동 (웹훅)")

    def ready(self) -> None:
        from integrations import outbox  # noqa: F401  (connects to shops.events.happened)
