from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    """The faces that compose the floors below: customer pages, the shop read API, link
    previews, the owner console shell, the error pages and the demo seed. Only ``config``
    imports it."""

    name = "storefront"

    def ready(self) -> None:
        from storefront.page_cache import watch_public_state

        watch_public_state()
