"""Settings come from the environment and production fails fast (DESIGN.md §5)."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def run_check(env_overrides, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_zero_variables_give_a_working_sqlite_setup():
    result = run_check({})
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check({"DJANGO_DEBUG": "False"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_check({"DJANGO_DEBUG": "False", "DJANGO_SECRET_KEY": "short"})
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_values_pass_the_deploy_checklist():
    result = run_check(
        {
            "DJANGO_DEBUG": "False",
            "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-value-for-this-test-only-0123456789",
            "DJANGO_ALLOWED_HOSTS": "psp.example.gov",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bad_boolean_fails_at_start_up():
    result = run_check({"DJANGO_DEBUG": "perhaps"})
    assert result.returncode != 0


def test_the_compose_file_describes_the_production_shape():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat", "mail"}
    assert "gunicorn psp.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A psp worker")
    assert services["beat"]["command"].startswith("celery -A psp beat")
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_env_example_lists_every_variable_the_settings_read():
    documented = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    settings_source = (ROOT / "psp" / "settings.py").read_text()
    import re

    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    assert read <= documented, read - documented
