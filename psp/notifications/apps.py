from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class NotificationsConfig(AppConfig):
    name = "psp.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Each domain app registers the notification kinds and sweeps it owns in its own
        # `notifications.py` (the way the admin finds `admin.py`), so this app never imports
        # the apps above it (DESIGN.md §4).
        from psp.notifications import kinds  # noqa: F401 - registers the digest kinds

        autodiscover_modules("notifications")
