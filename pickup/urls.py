from django.urls import path

from pickup import views
from shops.converters import register as register_converters

app_name = "pickup"

register_converters()

urlpatterns = [
    path("s/<shop:slug>/reserve/", views.reserve_submit, name="reserve_submit"),
    path("r/<token:token>/", views.reservation_page, name="reservation_page"),
    path("r/<token:token>/cancel/", views.reservation_cancel, name="reservation_cancel"),
    path("cafe/<token:token>/", views.cafe_page, name="cafe_page"),
    path("h/<shop:slug>/<code:code>/", views.handover_qr, name="handover_qr"),
    path("my/", views.find_reservations, name="find_reservations"),
    path("cafe/<token:token>/handover/", views.cafe_handover, name="cafe_handover"),
]
