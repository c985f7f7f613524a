from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psp.notifications import services
from psp.notifications.forms import PreferencesForm
from psp.notifications.models import NotificationPreference
from psp.notifications.selectors import notification_list_for


@login_required
def notification_list(request):
    page = Paginator(notification_list_for(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@login_required
def notification_open(request, pk: int):
    """Mark one notification read and go to the page it is about (404 if not yours)."""
    notification = notification_list_for(user=request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    services.notifications_mark_read(user=request.user, notification_id=pk)
    return redirect(notification.url)


@login_required
@require_POST
def notification_mark_all_read(request):
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, f"Marked {count} notification(s) as read.")
    return redirect("notifications:list")


@login_required
def preferences(request):
    kinds = services.kinds_for(request.user)
    current = dict(
        NotificationPreference.objects.filter(user=request.user).values_list("kind", "delivery")
    )
    form = PreferencesForm(request.POST or None, kinds=kinds, current=current)
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(user=request.user, choices=form.cleaned_data)
        messages.success(request, "Your notification preferences are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
