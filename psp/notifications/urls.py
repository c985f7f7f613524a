from django.urls import path

from psp.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("preferences/", views.preferences, name="preferences"),
    path("read-all/", views.notification_mark_all_read, name="mark-all-read"),
    path("<int:pk>/", views.notification_open, name="open"),
]
