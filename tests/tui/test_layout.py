"""Layouts that use the terminal: at 80x24 every step's footer shows quit, help and the step's
main keys uncut (the rest are in help and the palette); at 120x40 the file list holds every
demo file and the dedupe detail shows a whole merged e-mail."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from crm_migrate.tui.commands import ENTRIES
from tests.tui.conftest import settle

STEPS = ["start", "source", "target", "mapping", "clean", "dedupe", "push", "report"]


def _step_classes() -> list[Any]:
    from crm_migrate.tui.app import _step_classes

    return _step_classes()


async def test_every_footer_fits_80_columns_with_quit_and_help() -> None:
    from crm_migrate.commands.tui import demo_app

    app = demo_app()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            for step, cls in zip(STEPS, _step_classes(), strict=True):
                app.goto(step)
                await settle(app, pilot)
                keys = list(app.screen.query(FooterKey))
                shown = {(k.key_display, str(k.description)) for k in keys}
                assert {("^q", "Quit"), ("f1", "Help"), ("^n", "Next")} <= shown, step
                palette = next(k for k in keys if k.description == "palette")
                for key in keys:
                    if key is not palette:  # whole, left of the palette key: not cut
                        assert key.region.right <= palette.region.x, (step, key.description)
                        assert key.region.width >= len(key.key_display) + len(key.description) + 1
                wanted = {b.description for b in cls.BINDINGS if b.show}
                assert wanted <= {d for _, d in shown}, (step, wanted - {d for _, d in shown})
    finally:
        app.sandbox.stop()


def test_keys_left_out_of_the_footer_are_in_the_palette() -> None:
    in_palette = {(step, action) for _, _, step, action in ENTRIES}
    for step, cls in zip(STEPS, _step_classes(), strict=True):
        for binding in cls.BINDINGS:
            if not binding.show and not binding.action.startswith("app."):
                assert (step, binding.action) in in_palette, (step, binding.action)
    for _, _, step, action in ENTRIES:  # and every palette entry does something
        if step:
            cls = dict(zip(STEPS, _step_classes(), strict=True))[step]
            assert hasattr(cls, f"action_{action}"), (step, action)


async def test_a_wide_terminal_shows_every_file_and_whole_emails() -> None:
    from crm_migrate.commands.tui import demo_app

    app = demo_app()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            app.goto("source")
            await settle(app, pilot)
            files = app.pane.query_one("#files", DataTable)
            assert files.row_count == 7 and files.size.height >= files.row_count + 1
            for step in ("target", "mapping", "clean", "dedupe"):
                app.goto(step)
                await settle(app, pilot)
            await pilot.pause()
            pane = app.pane
            email = pane.groups[0].properties["email"]
            detail = pane.query_one("#group-detail", DataTable)
            merged = next(c for c in detail.columns.values() if str(c.key.value) == "__merged__")
            assert merged.width >= len(email)
            assert str(detail.get_row("email")[1]) == email
    finally:
        app.sandbox.stop()
