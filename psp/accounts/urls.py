from django.urls import path

from psp.accounts import views

app_name = "accounts"

urlpatterns = [
    path("security/", views.account_security, name="security"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("audit/", views.audit_log, name="audit"),
]
