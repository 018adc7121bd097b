"""The owner console at /owner/: each app contributes its pages under one namespace."""

from django.contrib.auth import views as auth_views
from django.urls import path

from insights import views as insights_views
from integrations import owner_views as integration_views
from livestock import owner_views as stock_views
from pickup import owner_views as pickup_views
from reviews import owner_views as review_views
from shops.converters import register as register_converters
from storefront import owner_views as shop_views

app_name = "owner"

register_converters()

urlpatterns = [
    path("", shop_views.console_home, name="console"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="owner/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("s/<shop:slug>/", stock_views.shop_console, name="shop_console"),
    path("s/<shop:slug>/listings/new/", stock_views.post_arrival, name="post_arrival"),
    path(
        "s/<shop:slug>/listings/<int:listing_id>/stock/",
        stock_views.change_stock,
        name="change_stock",
    ),
    path(
        "s/<shop:slug>/listings/<int:listing_id>/edit/",
        stock_views.edit_listing,
        name="edit_listing",
    ),
    path(
        "s/<shop:slug>/listings/<int:listing_id>/end/", stock_views.end_listing, name="end_listing"
    ),
    path("s/<shop:slug>/area/", pickup_views.area_page, name="service_area"),
    path("s/<shop:slug>/area/points/", pickup_views.add_point, name="add_pickup_point"),
    path("s/<shop:slug>/area/points/partner/", pickup_views.partner, name="partner_pickup_place"),
    path(
        "s/<shop:slug>/area/points/<int:point_id>/<str:action>/",
        pickup_views.point_action,
        name="pickup_point_action",
    ),
    path(
        "s/<shop:slug>/area/invitations/<int:invitation_id>/<str:decision>/",
        pickup_views.answer_invitation,
        name="partner_invitation",
    ),
    path("s/<shop:slug>/details/", shop_views.shop_details, name="shop_details"),
    path("s/<shop:slug>/sharing/", shop_views.sharing_page, name="sharing"),
    path("s/<shop:slug>/integrations/", integration_views.integrations_page, name="integrations"),
    path("s/<shop:slug>/integrations/webhooks/", integration_views.add_webhook, name="add_webhook"),
    path(
        "s/<shop:slug>/integrations/webhooks/<int:endpoint_id>/",
        integration_views.webhook_log,
        name="webhook_log",
    ),
    path(
        "s/<shop:slug>/integrations/webhooks/<int:endpoint_id>/resend/",
        integration_views.resend,
        name="webhook_resend",
    ),
    path(
        "s/<shop:slug>/integrations/webhooks/<int:endpoint_id>/<str:action>/",
        integration_views.webhook_action,
        name="webhook_action",
    ),
    path("s/<shop:slug>/integrations/tokens/", integration_views.add_token, name="add_token"),
    path(
        "s/<shop:slug>/integrations/tokens/<int:token_id>/revoke/",
        integration_views.revoke_token,
        name="revoke_token",
    ),
    path("s/<shop:slug>/poster.png", shop_views.qr_poster, {"fmt": "png"}, name="qr_poster_png"),
    path("s/<shop:slug>/poster.pdf", shop_views.qr_poster, {"fmt": "pdf"}, name="qr_poster_pdf"),
    path("s/<shop:slug>/stats/", insights_views.stats_page, name="stats"),
    path("s/<shop:slug>/stats.csv", insights_views.stats_csv, name="stats_csv"),
    path("s/<shop:slug>/reservations/", pickup_views.reservations, name="reservations"),
    path(
        "s/<shop:slug>/reservations/<int:reservation_id>/ready/",
        pickup_views.mark_ready,
        name="reservation_ready",
    ),
    path(
        "s/<shop:slug>/reservations/<int:reservation_id>/no-show/",
        pickup_views.mark_no_show,
        name="reservation_no_show",
    ),
    path(
        "s/<shop:slug>/reservations/<int:reservation_id>/cancel/",
        pickup_views.cancel,
        name="reservation_cancel",
    ),
    path("s/<shop:slug>/reviews/", review_views.reviews_page, name="reviews"),
    path("s/<shop:slug>/reviews/<int:review_id>/reply/", review_views.reply, name="review_reply"),
    path(
        "s/<shop:slug>/reviews/<int:review_id>/report/", review_views.report, name="review_report"
    ),
    path("s/<shop:slug>/pickup/", pickup_views.pick_up, name="pick_up"),
    path("s/<shop:slug>/redeem/<code:code>/", pickup_views.redeem, name="redeem"),
    path("s/<shop:slug>/cafes/", pickup_views.cafe_links, name="cafe_links"),
    path(
        "s/<shop:slug>/cafes/<int:place_id>/link/renew/",
        pickup_views.renew_cafe_link,
        name="renew_cafe_link",
    ),
    path(
        "s/<shop:slug>/cafes/<int:place_id>/link/off/",
        pickup_views.revoke_cafe_link,
        name="revoke_cafe_link",
    ),
    path("s/<shop:slug>/windows/", pickup_views.add_window, name="add_window"),
    path("s/<shop:slug>/hours/", pickup_views.hours_page, name="hours"),
    path("s/<shop:slug>/hours/save/", pickup_views.save_hours, name="save_hours"),
    path("s/<shop:slug>/closures/", pickup_views.add_closure, name="add_closure"),
    path(
        "s/<shop:slug>/closures/<int:closure_id>/remove/",
        pickup_views.remove_closure,
        name="remove_closure",
    ),
    path(
        "s/<shop:slug>/windows/<int:window_id>/remove/",
        pickup_views.remove_window,
        name="remove_window",
    ),
]
