from django.db import models


class AssignmentRole(models.TextChoices):
    PRIMARY = "primary", "Primary SSL"
    BACKUP = "backup", "Backup SSL"


class VisitMode(models.TextChoices):
    ON_SITE = "on_site", "On-site"
    VIRTUAL = "virtual", "Virtual"
    PHONE = "phone", "Phone"


class VisitStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
