"""drf-spectacular tweaks: every operation documents the error responses it can give, in the
one error shape of `psp.api.errors`, and the conditional-request headers it understands."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from psp.api.conditional import IF_MATCH, IF_NONE_MATCH
from psp.api.errors import ErrorSerializer

WRITES = {"POST", "PUT", "PATCH"}


class AutoSchema(SpectacularAutoSchema):
    def _is_a_detail(self) -> bool:
        return "{" in self.path

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_a_detail() and self.method == "GET":
            parameters.append(IF_NONE_MATCH)
        if self._is_a_detail() and self.method in WRITES:
            parameters.append(IF_MATCH)
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {
            "400": "The request is not valid (field errors in `error.fields`).",
            "401": "No credentials, or an invalid, expired or revoked token.",
            "403": "Your role or token may not do this.",
            "404": "Not found or not visible to you (on a list: no such page or cursor).",
            "429": "Too many requests: wait for the number of seconds in Retry-After.",
        }
        if self._is_a_detail():
            if self.method in WRITES:
                errors["412"] = "If-Match did not match: the object changed since you read it."
            if self.method == "GET":
                responses.setdefault("304", {"description": "Not modified: the ETag matches."})
        for code, description in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = description
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "psp.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <key>` or `Bearer <key>`; create a key on /accounts/tokens/ or with "
                "`manage.py create_api_token`."
            ),
        }
