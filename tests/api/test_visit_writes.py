"""Logging, changing and submitting site visits over the API: the same services as the visit
form (planned vs draft, full validation on submit, locking once submitted), with ETags standing
in for the form's version number. Who may write is in test_permissions.py."""

import dataclasses
import datetime

import pytest
from django.core.exceptions import PermissionDenied

from liaisons.api.serializers import visit_input_of
from liaisons.api.views import visit_write_errors
from liaisons.choices import VisitStatus
from liaisons.models import ActionItem, SiteVisit
from liaisons.services import (
    VisitAlreadySubmitted,
    VisitEditConflict,
    VisitInput,
    VisitNotYours,
    visit_save_draft,
)
from psp.api.errors import Conflict, PreconditionFailed
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def liaison(world):
    return client_for(world.l1.user)


def url(visit) -> str:
    return f"/api/v1/site-visits/{visit.pk}/"


def new_visit(world, **changes) -> dict:
    return {
        "site": world.a.slug,
        "start_date": "2026-03-10",
        "mode": "virtual",
        "purpose": "Quarterly check-in",
        "core_areas": ["crime-analysis"],
        "people_met": "Chief Ortiz; crime analyst J. Reyes",
        "goals": "Agree the analysts' weekly product.",
        "summary": "Reviewed the weekly shooting review.",
        "lessons_learned": "Start with the data the unit already has.",
        "internal_notes": "Budget vote in April.",
        "action_items": [
            {"text": "Send the CompStat template", "due_date": "2026-03-31"},
            {"text": "Schedule the peer exchange", "owner_name": "Chief Ortiz"},
        ],
    } | changes


def test_a_liaison_logs_a_draft_visit_with_its_next_steps(world, liaison):
    response = liaison.post("/api/v1/site-visits/", new_visit(world))
    assert response.status_code == 201, response.content
    body = response.json()
    visit = SiteVisit.objects.get(pk=body["id"])
    assert response["Location"] == url(visit)
    # What the form would have saved: a past date is a draft, never submitted by a POST.
    assert body["status"] == visit.status == VisitStatus.DRAFT
    assert body["liaison"] == world.l1.pk
    assert body["engagement"] == world.eng_a.pk
    assert body["core_areas"] == ["crime-analysis"]
    assert body["internal_notes"] == "Budget vote in April."
    assert (body["goals"], visit.goals) == ("Agree the analysts' weekly product.",) * 2
    assert visit.lessons_learned == "Start with the data the unit already has."
    assert [(i["text"], i["owner_name"]) for i in body["action_items"]] == [
        ("Send the CompStat template", ""),
        ("Schedule the peer exchange", "Chief Ortiz"),
    ]
    # A step with no named owner belongs to the liaison (liaisons.services).
    assert ActionItem.objects.get(visit=visit, owner_name="").owner == world.l1.user
    # The ETag is the one a GET gives for the same visit.
    assert response["ETag"] == liaison.get(url(visit))["ETag"]


def test_a_visit_dated_in_the_future_is_saved_as_planned(world, liaison):
    response = liaison.post(
        "/api/v1/site-visits/",
        {"site": world.a.slug, "start_date": "2026-04-02", "purpose": "Summit planning"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == VisitStatus.PLANNED
    assert response.json()["summary"] == ""


def test_every_text_field_of_the_visit_form_is_read_and_written(world, liaison):
    """The API's visit fields come from VisitInput, so a text field added to the form's input
    (and the model) is written and read back here without touching the API."""
    text_fields = [
        name
        for name, kind in VisitInput.__annotations__.items()
        if kind == "str" and name != "mode"
    ]
    assert {
        "purpose",
        "people_met",
        "goals",
        "summary",
        "lessons_learned",
        "internal_notes",
    } <= set(text_fields)
    sent = {name: f"{name} of the visit" for name in text_fields}
    created = liaison.post("/api/v1/site-visits/", new_visit(world, **sent))
    assert created.status_code == 201, created.content
    got = liaison.get(url(SiteVisit.objects.get(pk=created.json()["id"]))).json()
    assert {name: got[name] for name in text_fields} == sent


def test_an_invalid_body_is_400_with_field_messages_and_writes_nothing(world, liaison):
    response = liaison.post(
        "/api/v1/site-visits/",
        new_visit(world, start_date="2026-03-10", end_date="2026-03-01", core_areas=["nope"]),
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"core_areas"}
    response = liaison.post("/api/v1/site-visits/", new_visit(world, end_date="2026-03-01"))
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "end_date": ["The end date cannot be before the visit date."]
    }
    assert SiteVisit.objects.count() == 3


def test_patch_changes_only_what_is_sent(world, liaison):
    created = liaison.post("/api/v1/site-visits/", new_visit(world)).json()
    response = liaison.patch(f"/api/v1/site-visits/{created['id']}/", {"purpose": "Follow-up"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["purpose"] == "Follow-up"
    for kept in ["summary", "internal_notes", "core_areas", "start_date", "mode"]:
        assert body[kept] == created[kept], kept
    assert [i["id"] for i in body["action_items"]] == [i["id"] for i in created["action_items"]]


def test_put_replaces_the_visit_and_its_next_steps(world, liaison):
    created = liaison.post("/api/v1/site-visits/", new_visit(world)).json()
    kept = created["action_items"][0]
    body = {
        "site": world.a.slug,
        "start_date": "2026-03-11",
        "action_items": [{"id": kept["id"], "text": "Send the template", "due_date": None}],
    }
    response = liaison.put(f"/api/v1/site-visits/{created['id']}/", body)
    assert response.status_code == 200, response.content
    got = response.json()
    assert got["start_date"] == "2026-03-11"
    assert got["mode"] == "on_site"
    assert got["summary"] == got["purpose"] == ""
    assert got["core_areas"] == []
    assert [(i["id"], i["text"]) for i in got["action_items"]] == [
        (kept["id"], "Send the template")
    ]
    assert ActionItem.objects.filter(visit_id=created["id"]).count() == 1


def test_a_stale_if_match_is_412_and_the_fresh_etag_works(world, liaison):
    visit = world.v_a_draft
    etag = liaison.get(url(visit))["ETag"]
    first = liaison.patch(url(visit), {"summary": "First"}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200, first.content
    assert first["ETag"] != etag
    stale = liaison.patch(url(visit), {"summary": "Second"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"
    assert liaison.post(f"{url(visit)}submit/", HTTP_IF_MATCH=etag).status_code == 412
    visit.refresh_from_db()
    assert (visit.summary, visit.status) == ("First", VisitStatus.DRAFT)
    again = liaison.patch(url(visit), {"summary": "Second"}, HTTP_IF_MATCH=first["ETag"])
    assert again.status_code == 200


def test_a_change_made_in_the_visit_form_makes_the_api_etag_stale(world, liaison):
    visit = world.v_a_draft
    etag = liaison.get(url(visit))["ETag"]
    # What the form's "Save draft" does, from the version the form was opened at.
    visit_save_draft(
        data=dataclasses.replace(visit_input_of(visit), summary="Saved from the form"),
        actor=world.l1.user,
        visit=visit,
        version=visit.version,
    )
    response = liaison.patch(url(visit), {"summary": "From the API"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    visit.refresh_from_db()
    assert visit.summary == "Saved from the form"


def test_the_services_refusals_become_api_errors():
    with pytest.raises(PreconditionFailed), visit_write_errors():
        raise VisitEditConflict(SiteVisit(pk=1, version=3))
    with pytest.raises(Conflict, match="no longer be changed"), visit_write_errors():
        raise VisitAlreadySubmitted("This visit has been submitted and can no longer be changed.")
    with pytest.raises(PermissionDenied, match="Only the liaison"), visit_write_errors():
        raise VisitNotYours("Only the liaison who logged this visit can change it.")


def test_submit_checks_the_visit_completely_and_answers_400_per_field(world, liaison):
    visit = world.v_a_draft  # no core areas, one next step without a due date
    ActionItem.objects.create(visit=visit, text="Call the DA's office")
    response = liaison.post(f"{url(visit)}submit/")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "core_areas": ["Choose at least one core area."],
        "action_items.0.due_date": ["Give this next step a due date."],
    }
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DRAFT


def test_a_planned_visit_cannot_be_submitted_before_its_day(world, liaison):
    created = liaison.post(
        "/api/v1/site-visits/", new_visit(world, start_date="2026-04-02", action_items=[])
    ).json()
    response = liaison.post(f"/api/v1/site-visits/{created['id']}/submit/")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "start_date": ["A visit can be submitted once it has taken place."]
    }


def test_log_then_submit_locks_the_visit(world, liaison):
    created = liaison.post(
        "/api/v1/site-visits/",
        new_visit(world, action_items=[{"text": "Send notes", "due_date": "2026-03-20"}]),
    )
    visit_url = f"/api/v1/site-visits/{created.json()['id']}/"
    submitted = liaison.post(f"{visit_url}submit/", HTTP_IF_MATCH=created["ETag"])
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == VisitStatus.SUBMITTED
    assert submitted.json()["submitted_at"] is not None
    assert submitted["ETag"] == liaison.get(visit_url)["ETag"]
    # The site contact now sees the shared summary, without the internal notes.
    shared = client_for(world.contact).get(visit_url).json()
    assert shared["summary"] == "Reviewed the weekly shooting review."
    assert shared["internal_notes"] is None
    # Submitted is final for the liaison: another submit or a change is a conflict.
    again = liaison.post(f"{visit_url}submit/")
    assert again.status_code == 409
    assert again.json()["error"] == {
        "status": 409,
        "code": "conflict",
        "message": "This visit has been submitted and can no longer be changed.",
    }
    assert liaison.patch(visit_url, {"summary": "Late edit"}).status_code == 409
    assert liaison.put(visit_url, new_visit(world)).status_code == 409
    assert SiteVisit.objects.get(pk=created.json()["id"]).summary == (
        "Reviewed the weekly shooting review."
    )


def test_a_liaison_no_longer_assigned_cannot_change_or_submit_their_draft(world, liaison):
    world.as_a.end_date = D(2026, 3, 1)
    world.as_a.save()
    world.v_a_draft.core_areas.add(world.area)
    response = liaison.patch(url(world.v_a_draft), {"summary": "After hand-off"})
    assert response.status_code == 400
    assert "site" in response.json()["error"]["fields"]
    response = liaison.post(f"{url(world.v_a_draft)}submit/")
    assert response.status_code == 400
    assert "site" in response.json()["error"]["fields"]
