"""Helpers for browser tests."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"


def assert_accessible(page) -> None:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now and fail listing
    every violation whose impact is serious or critical."""
    assert AXE.exists(), f"{AXE} is missing: run `make assets` (npm ci)"
    # Evaluated through the DevTools protocol rather than added as a <script> element, which
    # the page's Content-Security-Policy (no inline scripts) would rightly refuse.
    page.evaluate(AXE.read_text())
    results = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        })"""
    )
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    report = "\n".join(
        f"- [{v['impact']}] {v['id']}: {v['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
        for v in serious
    )
    assert not serious, f"axe-core found on {page.url}:\n{report}"


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot to docs/screenshots/<name>.png (committed: what users see)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
