"""The API token page: a user creates, lists and revokes their own tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from psp.accounts.forms import ApiTokenForm
from psp.accounts.models import ApiToken
from psp.accounts.services import api_token_create, api_token_revoke


@never_cache
@login_required
def token_list(request):
    new_key = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, new_key = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                read_only=form.cleaned_data["read_only"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # Rendered, not redirected: the key exists only in this response.
            form = ApiTokenForm()
    tokens = ApiToken.objects.visible_to(request.user)
    return render(
        request, "accounts/token_list.html", {"form": form, "tokens": tokens, "new_key": new_key}
    )


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Revoked “{token.name}”. It can no longer be used.")
    return redirect("accounts:tokens")
