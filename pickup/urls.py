from django.urls import path

from pickup import views

app_name = "pickup"

urlpatterns = [
    path("s/<str:slug>/reserve/", views.reserve_submit, name="reserve_submit"),
    path("r/<str:token>/", views.reservation_page, name="reservation_page"),
    path("r/<str:token>/cancel/", views.reservation_cancel, name="reservation_cancel"),
    path("cafe/<str:token>/", views.cafe_page, name="cafe_page"),
    path("cafe/<str:token>/handover/", views.cafe_handover, name="cafe_handover"),
]
