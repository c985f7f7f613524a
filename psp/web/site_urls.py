"""The `sites:` pages. The list is the sites app's own; the site page and its history show
liaison and TTA records too, so they live above those apps (DESIGN.md §4)."""

from django.urls import path

from psp.web import views
from sites import views as site_views

app_name = "sites"

urlpatterns = [
    path("", site_views.site_list, name="list"),
    path("<slug:slug>/", views.site_page, name="detail"),
    path("<slug:slug>/history/", views.site_history, name="history"),
    path(
        "<slug:slug>/milestones/<int:pk>/complete/",
        views.milestone_complete,
        name="milestone-complete",
    ),
]
