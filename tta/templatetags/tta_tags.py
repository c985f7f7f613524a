from django import template

from tta.models import TTARequest

register = template.Library()


@register.simple_tag(takes_context=True)
def site_tta_requests(context, site, limit: int = 20):
    """The TTA requests of a site that the signed-in user may see (for the site page)."""
    user = context["request"].user
    return list(
        TTARequest.objects.visible_to(user)
        .filter(site=site)
        .select_related("core_area")
        .order_by("-created_at")[:limit]
    )
