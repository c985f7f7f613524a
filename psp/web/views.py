"""The site page, its history tab and milestone completion (see `psp.web.selectors`)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from liaisons.services import milestone_mark_complete
from psp.web.selectors import site_history_for, site_page_for
from sites.models import Milestone, Site


@login_required
@require_GET
def site_page(request, slug: str):
    today = timezone.localdate()
    page = site_page_for(user=request.user, slug=slug, today=today)
    return render(
        request, "sites/site_detail.html", {"page": page, "site": page.site, "today": today}
    )


@login_required
@require_GET
def site_history(request, slug: str):
    site = get_object_or_404(Site.objects.working_on_by(request.user), slug=slug)
    return render(
        request,
        "sites/site_history.html",
        {"site": site, "entries": site_history_for(user=request.user, site=site)},
    )


@login_required
@require_POST
def milestone_complete(request, slug: str, pk: int):
    milestone = get_object_or_404(
        Milestone.objects.visible_to(request.user).select_related("engagement__site"),
        pk=pk,
        engagement__site__slug=slug,
    )
    try:
        completed_on = datetime.date.fromisoformat(request.POST.get("completed_on", ""))
    except ValueError:
        messages.error(request, f"Give the date “{milestone.title}” was completed (YYYY-MM-DD).")
    else:
        try:
            milestone_mark_complete(
                milestone=milestone,
                actor=request.user,
                completed_on=completed_on,
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"“{milestone.title}” marked complete.")
    return redirect(f"{milestone.engagement.site.get_absolute_url()}#milestone-{milestone.pk}")
