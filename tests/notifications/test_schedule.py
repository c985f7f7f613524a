"""The beat schedule lives in code and names tasks that exist (psp/celery.py)."""

from celery.schedules import crontab

from psp.celery import app


def test_every_scheduled_entry_names_a_registered_task():
    app.loader.import_default_modules()
    assert app.conf.beat_schedule
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name
        assert isinstance(entry["schedule"], crontab), name


def test_the_schedule_runs_in_the_programs_time_zone_and_tasks_ack_late():
    assert app.conf.timezone == "America/New_York"
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    app.loader.import_default_modules()
    assert app.tasks["notifications.deliver"].acks_late


def test_the_reminder_sweep_runs_every_morning_and_the_delivery_sweep_every_five_minutes():
    schedule = app.conf.beat_schedule
    sweep = schedule["morning-reminders-and-digests"]["schedule"]
    assert sweep.hour == set(range(6, 21))
    assert sweep.minute == {30}
    assert schedule["resend-unsent-notifications"]["schedule"].minute == set(range(0, 60, 5))
