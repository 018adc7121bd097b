from django.urls import path

from shops import views

app_name = "shops"

urlpatterns = [
    path("", views.near_me, name="near_me"),
    path("s/<str:slug>/", views.shop_page, name="shop_page"),
]
