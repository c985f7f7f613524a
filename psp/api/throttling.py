import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from psp.accounts.models import ApiToken

logger = logging.getLogger(__name__)


class PerTokenRateThrottle(SimpleRateThrottle):
    """One budget per token (each integration gets its own), per user for browser sessions,
    per address for anonymous requests. Over budget: 429 with `Retry-After`.

    Counters live in the default cache: production should use Redis (CACHE_URL) so that all
    web processes share them."""

    scope = "api"

    def get_rate(self):
        # Read at request time (not import time) so the setting can change without a restart
        # of the class, e.g. in tests.
        return settings.PSP_API_THROTTLE_RATE

    def allow_request(self, request, view):
        """Fail open when the counters' cache cannot be reached: the budget protects the
        service, it is not worth refusing every API request while Redis restarts."""
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # any cache backend error (redis ConnectionError, timeouts)
            logger.warning("API throttle skipped: cache unavailable (%s)", exc.__class__.__name__)
            return True

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
