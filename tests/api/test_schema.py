"""The OpenAPI schema is valid, served with its docs, and the live API keeps to it."""

import io

import hypothesis
import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from psp.wsgi import application
from tests import factories

pytestmark = pytest.mark.django_db

# Examples per operation and per set of path parameters: enough to walk filters, bodies and
# headers of every operation while keeping the run well under two minutes.
EXAMPLES_PER_OPERATION = 25


def test_the_schema_validates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/v1/site-status/" in out.getvalue()


def test_the_schema_and_the_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "PSP Engagement Tracker API"
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def known_path_parameters(w) -> dict[str, list[dict]]:
    """Real objects for each detail path, so the run exercises success paths as well as 404s."""
    return {
        "/sites/{slug}/": [{"slug": w.a.slug}],
        "/sites/{slug}/status/": [{"slug": w.a.slug}],
        "/engagements/{id}/": [{"id": w.eng_a.pk}],
        "/milestones/{id}/": [{"id": w.ms_a.pk}],
        "/milestones/{id}/complete/": [{"id": w.ms_a.pk}],
        "/core-areas/{code}/": [{"code": "crime-analysis"}],
        "/liaisons/{id}/": [{"id": w.l1.pk}],
        "/assignments/{id}/": [{"id": w.as_a.pk}],
        "/site-visits/{id}/": [{"id": w.v_a.pk}, {"id": w.v_a_draft.pk}],
        "/site-visits/{id}/submit/": [{"id": w.v_a_draft.pk}],
        "/tta-requests/{id}/": [{"id": w.r_a.pk}],
        "/tta-requests/{id}/transitions/": [{"id": w.r_a.pk}],
        "/tta-deliveries/{id}/": [{"id": w.del_b.pk}],
        "/tta-providers/{slug}/": [{"slug": w.provider.slug}],
    }


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """The real WSGI handler closes the database connection after each request; inside a test
    transaction on PostgreSQL that would end the test's transaction. Django's own test client
    disconnects the same signal handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("wsgi_keeps_the_test_connection")
def test_the_live_api_keeps_to_its_schema_under_generated_requests(world, settings):
    """Schemathesis generates requests for every operation from the live schema, sends them
    with a coordinator's read-write token, and checks there is no server error and that every
    status code, content type and body is the one documented."""
    settings.PSP_API_THROTTLE_RATE = "100000/hour"
    token = factories.ApiTokenFactory(user=world.coordinator)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    run_generated_requests(operations, headers=headers, known=known_path_parameters(world))


# The writes only a liaison (visits) or provider staff (deliveries) may make: generated again
# with their tokens, so their success and validation paths run too, not only the coordinator's
# 403.
WRITERS = {
    ("POST", "/api/v1/site-visits/"): "liaison",
    ("PUT", "/api/v1/site-visits/{id}/"): "liaison",
    ("PATCH", "/api/v1/site-visits/{id}/"): "liaison",
    ("POST", "/api/v1/site-visits/{id}/submit/"): "liaison",
    ("POST", "/api/v1/tta-deliveries/"): "provider",
}


@pytest.mark.usefixtures("wsgi_keeps_the_test_connection")
def test_visit_and_delivery_writes_keep_to_the_schema_for_those_who_may_make_them(world, settings):
    settings.PSP_API_THROTTLE_RATE = "100000/hour"
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    writes = [op for op in operations if (op.method.upper(), op.full_path) in WRITERS]
    assert len(writes) == len(WRITERS)
    for operation in writes:
        token = factories.ApiTokenFactory(
            user=world.users[WRITERS[(operation.method.upper(), operation.full_path)]]
        )
        run_generated_requests(
            [operation],
            headers={"Authorization": f"Token {token.key}"},
            known=known_path_parameters(world),
            # Random slugs and ids name nothing: also send bodies naming the writer's own site
            # and request, so generated data reaches the services.
            body_fixes={"site": world.a.slug, "request": world.r_b.pk},
        )


def run_generated_requests(operations, *, headers, known, body_fixes=None) -> None:
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    for operation in operations:
        # Schemathesis paths include the /api/v1 prefix; `known` is keyed without it.
        api_path = operation.path.removeprefix("/api/v1")
        assert api_path in known or "{" not in api_path, f"Add {api_path} to known"
        for path_parameters in [None, *known.get(api_path, [])]:
            strategy = operation.as_strategy(path_parameters=path_parameters)
            if body_fixes:
                strategy = strategy | strategy.map(with_fixes(body_fixes))

            @hypothesis.settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(hypothesis.HealthCheck),
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            )
            @hypothesis.given(case=strategy)
            def run(case):
                case.call_and_validate(headers=headers, checks=checks)

            run()


def with_fixes(fixes: dict):
    def fix(case):
        if isinstance(case.body, dict):
            case.body = case.body | {k: v for k, v in fixes.items() if k in case.body}
        return case

    return fix
