"""The REST API, mounted at /api/v1/ by psp.urls (DESIGN.md §5, docs/api.md)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from liaisons.api.views import AssignmentViewSet, LiaisonViewSet, SiteVisitViewSet
from psp.api.errors import not_found
from psp.portfolio.api.views import SiteStatusDetail, SiteStatusFeed
from sites.api.views import CoreAreaViewSet, EngagementViewSet, MilestoneViewSet, SiteViewSet
from tta.api.views import TTADeliveryViewSet, TTAProviderViewSet, TTARequestViewSet

router = DefaultRouter()
router.register("sites", SiteViewSet, basename="site")
router.register("engagements", EngagementViewSet, basename="engagement")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("core-areas", CoreAreaViewSet, basename="core-area")
router.register("liaisons", LiaisonViewSet, basename="liaison")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("site-visits", SiteVisitViewSet, basename="site-visit")
router.register("tta-requests", TTARequestViewSet, basename="tta-request")
router.register("tta-deliveries", TTADeliveryViewSet, basename="tta-delivery")
router.register("tta-providers", TTAProviderViewSet, basename="tta-provider")

urlpatterns = [
    path("sites/<str:slug>/status/", SiteStatusDetail.as_view(), name="site-status-detail"),
    path("site-status/", SiteStatusFeed.as_view(), name="site-status-list"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
    # Anything else under /api/v1/ answers in the API's error shape, not with an HTML page.
    re_path(r"^.*$", not_found),
]
