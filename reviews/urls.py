from django.urls import path

from reviews import views
from shops.converters import register as register_converters

app_name = "reviews"

register_converters()

urlpatterns = [
    path("r/<token:token>/review/", views.review_submit, name="review_submit"),
    path("r/<token:token>/review/delete/", views.review_delete, name="review_delete"),
]
