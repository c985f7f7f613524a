from django.db import models


class Program(models.TextChoices):
    VRN = "VRN", "Violence Reduction Network pilot"
    PSP = "PSP", "Public Safety Partnership"


class Phase(models.TextChoices):
    DIAGNOSTIC = "diagnostic", "Diagnostic"
    OPERATIONS = "operations", "Operations"


class EngagementStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    TRANSITIONED = "transitioned", "Transitioned to Operations"
    WITHDRAWN = "withdrawn", "Withdrawn"


# An open engagement is one still under way or about to be; a site has at most one.
OPEN_ENGAGEMENT_STATUSES = [EngagementStatus.PLANNED, EngagementStatus.ACTIVE]


class FederalAgency(models.TextChoices):
    ATF = "ATF", "Bureau of Alcohol, Tobacco, Firearms and Explosives"
    DEA = "DEA", "Drug Enforcement Administration"
    FBI = "FBI", "Federal Bureau of Investigation"
    USMS = "USMS", "U.S. Marshals Service"
    USAO = "USAO", "U.S. Attorney's Office"
    OJP = "OJP", "Office of Justice Programs"
    BJA = "BJA", "Bureau of Justice Assistance"
    COPS = "COPS", "Office of Community Oriented Policing Services"
