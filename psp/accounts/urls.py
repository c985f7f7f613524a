from django.urls import path

from psp.accounts import views

app_name = "accounts"

urlpatterns = [
    path("security/", views.account_security, name="security"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("audit/", views.audit_log, name="audit"),
    path("2fa/setup/", views.two_factor_setup, name="2fa-setup"),
    path("2fa/verify/", views.two_factor_verify, name="2fa-verify"),
]
