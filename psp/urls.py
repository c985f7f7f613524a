from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from psp import views
from psp.api.errors import server_error

# A server error under /api/ answers in the API's JSON error shape (docs/api.md).
handler500 = server_error

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("psp.accounts.urls")),
    # The site page and its history live in psp.web (they show liaison and TTA records).
    path("sites/", include("psp.web.site_urls")),
    path("visits/", include("liaisons.urls")),
    path("portfolio/", include("psp.portfolio.urls")),
    path("tta/", include("tta.urls")),
    path("admin/", admin.site.urls),
    path("notifications/", include("psp.notifications.urls")),
    # --- REST API (issue #6) ---
    path("api/v1/", include("psp.api.urls")),
]
