from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "psp.portfolio"
    label = "portfolio"
    verbose_name = "Portfolio: dashboards, reports, exports and calendars"
