from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopsConfig(AppConfig):
    name = "shops"
    verbose_name = _("가게")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from shops import receivers
        from shops.models import Membership, Shop

        # Every path that ends a membership (the services, a deleted user or shop) closes
        # the member's live sockets.
        post_delete.connect(
            receivers.membership_deleted, sender=Membership, dispatch_uid="shops.membership_deleted"
        )
        post_save.connect(receivers.shop_saved, sender=Shop, dispatch_uid="shops.shop_saved")
        post_save.connect(
            receivers.user_saved, sender=get_user_model(), dispatch_uid="shops.user_saved"
        )
