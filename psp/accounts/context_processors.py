"""Primary navigation (DESIGN.md §5): the links a signed-in user's roles allow."""

from django.urls import NoReverseMatch, reverse

from psp.accounts.roles import Role, roles_of

# (label, url name, roles that see it). A link whose page does not exist yet is left out.
NAVIGATION = [
    ("Home", "home", None),
    ("Sites", "sites:list", None),
    ("Visits", "liaisons:visit-list", {Role.COORDINATOR, Role.LIAISON, Role.SITE_CONTACT}),
    (
        "TTA requests",
        "tta:request-list",
        {Role.COORDINATOR, Role.LIAISON, Role.SITE_CONTACT, Role.TTA_PROVIDER},
    ),
    ("Portfolio", "portfolio:dashboard", {Role.COORDINATOR}),
    ("Reports", "portfolio:reports", {Role.COORDINATOR}),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"primary_navigation": []}
    links = []
    for label, url_name, roles in NAVIGATION:
        if roles is not None and not (roles & roles_of(user)):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        links.append({"label": label, "url": url, "current": request.path == url})
    return {"primary_navigation": links}
