from django.urls import path

from liaisons import views

app_name = "liaisons"

urlpatterns = [
    path("", views.visit_list, name="visit-list"),
    path("new/", views.visit_create, name="visit-create"),
    path("new/next-step-row/", views.action_item_row, name="action-item-row"),
    path("<int:pk>/", views.visit_detail, name="visit-detail"),
    path("<int:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("<int:pk>/return/", views.visit_return, name="visit-return"),
    path("next-steps/<int:pk>/done/", views.action_item_done, name="action-item-done"),
]
