"""The benchmark harness (bench/run.py): its budget check, and one pass over every case at a
tiny scale on PostgreSQL so a change that breaks `make bench` fails here first."""

import io

import pytest
from django.core.management import call_command

from bench import run as bench


def _case(**overrides) -> dict:
    return {
        "title": "x",
        "median_ms": 10.0,
        "p95_ms": 12.0,
        "queries_per_request": 5,
        "peak_memory_kb": 100.0,
        "baseline_median_ms": 5.0,
        "baseline_ratio": 2.0,
        **overrides,
    }


def _results(small: dict, large: dict) -> dict:
    return {"runs": [{"scale": 1.0, "cases": small}, {"scale": 10.0, "cases": large}]}


def test_budgets_hold_when_nothing_grows():
    cases = {name: _case() for name in bench.LISTS | bench.FLAT_MEMORY}
    assert bench.check_budgets(_results(cases, cases)) == []


def test_every_broken_budget_is_reported():
    small = {name: _case() for name in bench.LISTS | bench.FLAT_MEMORY}
    large = {name: _case() for name in bench.LISTS | bench.FLAT_MEMORY}
    large["visits_page"] = _case(median_ms=25.0, queries_per_request=6)
    large["api_sites"] = _case(baseline_ratio=3.5)
    large["export_visits_csv"] = _case(peak_memory_kb=130.0)
    broken = bench.check_budgets(_results(small, large))
    assert len(broken) == 4, broken
    assert any(line.startswith("visits_page: median") for line in broken)
    assert any(line.startswith("visits_page: 5 queries") for line in broken)
    assert any(line.startswith("api_sites at scale 10") for line in broken)
    assert any(line.startswith("export_visits_csv: peak memory") for line in broken)


def test_the_docs_table_is_regenerated_between_its_markers(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text(
        f"# Benchmarks\n\nBefore.\n\n{bench.TABLE_START}\nSTALE TABLE\n{bench.TABLE_END}\nAfter.\n"
    )
    results = _results({"api_sites": _case()}, {"api_sites": _case()})
    results.update(
        machine={"date": "d", "cpu": "c", "cores": 2, "ram_gb": 1, "load_average": [1.0],
                 "postgresql": "15", "python": "3", "django": "5"},
        total_seconds=1.0,
        broken=[],
    )  # fmt: skip
    bench.write_docs(results, docs)
    text = docs.read_text()
    assert "STALE TABLE" not in text
    assert "Before." in text
    assert "After." in text
    assert "| GET" not in text
    assert "| x | 10 |" in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_case_runs_at_a_tiny_scale():
    call_command("seed_bench", scale=0.01, today=bench.TODAY, force=True, stdout=io.StringIO())
    result = bench.run_scale(0.01, repeats=dict.fromkeys(bench.repeats_for(1), 1))
    assert set(result["cases"]) == bench.LISTS | {"api_site_status", "reminder_sweep"}
    for name, case in result["cases"].items():
        assert case["median_ms"] > 0, name
        assert case["queries_per_request"] > 0, name
        assert case["peak_memory_kb"] > 0, name
        assert case["baseline_median_ms"] > 0, name
