app_name = "livestock"
urlpatterns: list = []
