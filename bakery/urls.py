from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "Bakery production tracker"
admin.site.site_title = "Bakery admin"
admin.site.index_title = "Data"

urlpatterns = [
    path("", include("production.urls")),
    path("plan/", include("events.urls")),
    path("pantry/", include("pantry.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
