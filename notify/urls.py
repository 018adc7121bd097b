from django.urls import path

from notify import views

app_name = "notify"

urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/", views.offline, name="offline"),
    path("notify/", views.my_alerts, name="my_alerts"),
]
