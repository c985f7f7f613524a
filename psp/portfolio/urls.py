from django.urls import path

from psp.portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("exports/<slug:dataset>.<str:fmt>", views.export, name="export"),
    path("calendar/", views.calendar_settings, name="calendar"),
    path("calendar/new/", views.calendar_create, name="calendar-create"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar-revoke"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
