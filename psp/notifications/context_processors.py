"""The unread count in the header (templates/notifications/header_badge.html)."""

from django.utils.functional import SimpleLazyObject

from psp.notifications.selectors import unread_count_for


def unread_notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: the query runs only on pages that show the badge.
    return {"unread_notification_count": SimpleLazyObject(lambda: unread_count_for(user=user))}
