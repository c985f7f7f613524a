from django.urls import path

from tta import views

app_name = "tta"

urlpatterns = [
    path("", views.request_list, name="request-list"),
    path("new/", views.request_create, name="request-create"),
    path("bulk/", views.request_bulk, name="request-bulk"),
    path("provider/", views.provider_requests, name="provider-requests"),
    path("<int:pk>/", views.request_detail, name="request-detail"),
    path("<int:pk>/submitted/", views.request_submitted, name="request-submitted"),
    path("<int:pk>/act/", views.request_act, name="request-act"),
    path("<int:pk>/deliveries/new/", views.delivery_create, name="delivery-create"),
    path("summits/", views.summit_list, name="summit-list"),
    path("summits/new/", views.summit_create, name="summit-create"),
    path("summits/<int:year>/", views.summit_detail, name="summit-detail"),
    path("summits/<int:year>/sessions/", views.summit_session_add, name="summit-session-add"),
    path(
        "summits/<int:year>/attendance/",
        views.summit_attendance_record,
        name="summit-attendance-record",
    ),
]
