"""Seeds the seven core areas of TTA and the milestone templates of each phase (DESIGN.md §3).

Both are data the program edits later (it added "constitutional policing" as a core area);
this migration only creates rows that are missing and never overwrites edits.
"""

from django.db import migrations

CORE_AREAS = [
    ("gun-violence", "Gun violence"),
    ("criminal-justice-collaboration", "Criminal justice collaboration"),
    ("crime-analysis", "Crime analysis"),
    ("technology", "Technology"),
    ("investigations", "Investigations"),
    ("community-engagement", "Community engagement"),
    ("peer-learning", "Peer learning opportunities"),
]

# (key, title, offset in months from the phase start, repeats yearly)
MILESTONE_TEMPLATES = {
    "diagnostic": [
        ("kickoff", "Kick-off and working group formed", 1, False),
        ("self-assessment", "Site self-assessment completed", 3, False),
        ("stakeholder-interviews", "Stakeholder interviews and data review", 5, False),
        ("diagnostic-analysis", "Diagnostic analysis delivered", 8, False),
        ("action-plan", "Community action plan adopted", 10, False),
        ("implementation-review", "Implementation review", 14, False),
        ("close-out", "Evaluation and close-out", 17, False),
        ("transition-decision", "Transition decision", 18, False),
    ],
    "operations": [
        ("kickoff", "Kick-off and listening session", 1, False),
        ("ssl-assigned", "Strategic Site Liaison assigned", 1, False),
        ("site-assessment", "Site assessment", 4, False),
        ("focus-areas", "Focus areas set", 6, False),
        ("strategic-plan", "Strategic plan adopted", 9, False),
        ("training-summit", "Annual training summit", 10, True),
        ("progress-review", "Annual progress review", 12, True),
        ("sustainability-plan", "Sustainability plan", 30, False),
        ("graduation", "Graduation", 36, False),
    ],
}


def seed(apps, schema_editor):
    CoreArea = apps.get_model("sites", "CoreArea")
    MilestoneTemplate = apps.get_model("sites", "MilestoneTemplate")
    for order, (code, name) in enumerate(CORE_AREAS, start=1):
        CoreArea.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for phase, templates in MILESTONE_TEMPLATES.items():
        for order, (key, title, months, yearly) in enumerate(templates, start=1):
            MilestoneTemplate.objects.get_or_create(
                phase=phase,
                key=key,
                defaults={
                    "title": title,
                    "offset_months": months,
                    "repeats_yearly": yearly,
                    "order": order,
                },
            )


def unseed(apps, schema_editor):
    apps.get_model("sites", "CoreArea").objects.filter(
        code__in=[code for code, _ in CORE_AREAS]
    ).delete()
    apps.get_model("sites", "MilestoneTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("sites", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
