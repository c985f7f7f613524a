from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    """Cross-site reads: site status (shared by the API and the dashboard), reports, exports,
    calendar feeds."""

    name = "psp.portfolio"
    label = "portfolio"
    verbose_name = "Portfolio"
