"""Helpers for browser tests."""

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def assert_accessible(page) -> None:
    """Run axe-core on the page; fail listing every serious or critical violation."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm install` first")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    bad = [v for v in violations if v["impact"] in {"serious", "critical"}]
    assert not bad, "\n".join(
        f"{v['impact']}: {v['id']} — {v['help']} "
        f"({', '.join(n['target'][0] for n in v['nodes'][:5])})"
        for v in bad
    )
