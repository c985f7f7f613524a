from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from sites.choices import EngagementStatus, Phase
from sites.selectors import site_list_for


@login_required
def site_list(request):
    page = Paginator(site_list_for(user=request.user), 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sites/site_list.html",
        {
            "page": page,
            "phase_labels": dict(Phase.choices),
            "status_labels": dict(EngagementStatus.choices),
            "query": query.urlencode(),
        },
    )
