from django.urls import path

from psp.portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/save/", views.report_update, name="report-update"),
    path("reports/<int:pk>/publish/", views.report_publish, name="report-publish"),
    path("reports/<int:pk>/report.pdf", views.report_pdf, name="report-pdf"),
    path("exports/<slug:dataset>.<str:fmt>", views.export, name="export"),
    path("calendar/", views.calendar_settings, name="calendar"),
    path("calendar/new/", views.calendar_create, name="calendar-create"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar-revoke"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
