"""A review people can finish: each duplicate group shows its match score and the reasons,
`o` lists the weakest matches first, `X` marks every group below a score as not duplicates
without a re-clean (each group split in place)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.conftest import settle
from tests.tui.test_walk import wait_until

PEOPLE = """First Name,Last Name,Email,Phone,Company
Ann,Lee,ann@example.com,(415) 555-0101,Acme
Ann,Lee,ann@example.com,(415) 555-0101,Acme
Bob,Stone,bob@example.com,(415) 555-0102,Globex
Robert,Stone,bob@example.com,(212) 555-0199,Initech
Cara,Diaz,cara@example.com,(415) 555-0103,Hooli
Dan,Wu,dan@example.com,(415) 555-0104,Umbrella
"""


@pytest.fixture
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    return path


async def test_scores_reasons_order_and_reject_below(make_app, people: Path) -> None:
    app = make_app(people, object_name="contacts", object_chosen=True, region="US",
                   match_target=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for step in ("mapping", "clean", "dedupe"):
            app.goto(step)
            await settle(app, pilot)
        pane = app.pane
        await wait_until(app, pilot, lambda: len(pane.reviews) == 2, tries=500)
        await settle(app, pilot)
        scores = {min(r.members): pane.reviews[tuple(sorted(r.members))].probability
                  for r in pane.groups}
        exact, looser = scores["people.csv:1"], scores["people.csv:3"]
        assert exact > looser  # the identical rows match better than Bob/Robert
        review = pane.reviews[tuple(sorted(next(r for r in pane.groups if "people.csv:1" in r.members).members))]
        assert any(reason.startswith("email same") for reason in review.reasons)
        caption = str(pane.query_one("#dedupe-caption").render())
        assert "match " in caption and "%" in caption
        await pilot.press("o")
        await pilot.pause()
        assert [min(r.members) for r in pane.groups] == ["people.csv:3", "people.csv:1"]
        threshold = f"{(exact + looser) / 2 * 100:.2f}"  # between the two: the weaker goes
        await pilot.press("X")
        await pilot.pause()
        screen = app.screen
        screen.query_one("Input").value = threshold
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: app.current_step == "dedupe"
                         and not app.state.clean_stale and len(app.pane.groups) == 1, tries=1500)
        assert app.state.mapping.profile.dedupe.not_duplicates == [["people.csv:3", "people.csv:4"]]
        assert [sorted(r.members) for r in app.pane.groups] == [["people.csv:1", "people.csv:2"]]
