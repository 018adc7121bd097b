from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivestockConfig(AppConfig):
    name = "livestock"
    verbose_name = _("오늘 입고·실시간 재고")
