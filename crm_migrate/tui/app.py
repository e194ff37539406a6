"""The wizard app: composition and routing between the eight steps."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding

from crm_migrate.tui.commands import WizardCommands
from crm_migrate.tui.state import WizardState
from crm_migrate.tui.widgets.steps import STEPS

if TYPE_CHECKING:
    from textual.screen import Screen

STEP_NAMES: tuple[str, ...] = tuple(name for name, _ in STEPS)


def _screen_classes() -> dict[str, type[Screen[Any]]]:
    from crm_migrate.tui.screens.clean import CleanScreen
    from crm_migrate.tui.screens.dedupe import DedupeScreen
    from crm_migrate.tui.screens.mapping import MappingScreen
    from crm_migrate.tui.screens.push import PushScreen
    from crm_migrate.tui.screens.report import ReportScreen
    from crm_migrate.tui.screens.source import SourceScreen
    from crm_migrate.tui.screens.start import StartScreen
    from crm_migrate.tui.screens.target import TargetScreen

    return {
        "start": StartScreen,
        "source": SourceScreen,
        "target": TargetScreen,
        "mapping": MappingScreen,
        "clean": CleanScreen,
        "dedupe": DedupeScreen,
        "push": PushScreen,
        "report": ReportScreen,
    }


class CrmMigrateApp(App[None]):
    """Load, map, clean, dedupe and push, one step per screen, sharing one WizardState."""

    TITLE = "crm-migrate"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {WizardCommands}
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("f1,question_mark", "help", "Help", id="app.help", tooltip="Show the keys of this step"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Leave (an unfinished push stays resumable)",
                priority=True),
    ]

    def __init__(self, state: WizardState | None = None, *, sandbox: Any = None,
                 first_step: str | None = None) -> None:
        super().__init__()
        self.state = state or WizardState()
        self.sandbox = sandbox  # an embedded SandboxServer (demo); its owner stops it
        self.first_step = first_step or ("source" if self.state.paths else "start")
        self.current_step = self.first_step

    def on_mount(self) -> None:
        for name, cls in _screen_classes().items():
            self.install_screen(cls(), name=name)
        self.push_screen(self.first_step)

    def on_unmount(self) -> None:
        """Stop a running push at a batch boundary: the run stays resumable."""
        try:
            self.get_screen("push").stop_for_exit()  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - the screen may never have been installed
            pass

    # ---- routing ----

    def step_screen(self, name: str) -> Any:
        """The installed screen of a step."""
        return self.get_screen(name)

    def goto(self, name: str) -> None:
        """Show a step (its edits live in the state, so nothing is lost)."""
        if name not in STEP_NAMES:
            return
        while len(self.screen_stack) > 2 and not hasattr(self.screen, "STEP"):
            self.pop_screen()
        self.current_step = name
        self.switch_screen(name)

    def action_goto(self, name: str) -> None:
        """Go to a step by name."""
        self.goto(name)

    def action_next_step(self) -> None:
        """Go on to the next step, unless this one says what is missing."""
        screen = self.screen
        reason = screen.can_leave() if hasattr(screen, "can_leave") else None
        if reason:
            self.notify(reason, severity="warning")
            return
        index = STEP_NAMES.index(self.current_step)
        if index + 1 < len(STEP_NAMES):
            self.goto(STEP_NAMES[index + 1])

    def action_prev_step(self) -> None:
        """Go back one step."""
        index = STEP_NAMES.index(self.current_step)
        if index > 0:
            self.goto(STEP_NAMES[index - 1])

    def action_help(self) -> None:
        """Show the help screen for the current step."""
        from crm_migrate.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.current_step))

    def run_step_action(self, step: str, action: str) -> None:
        """Go to `step` and run one of its actions (used by the command palette)."""
        self.goto(step)
        self.call_later(self._run_action, step, action)

    def _run_action(self, step: str, action: str) -> None:
        method = getattr(self.step_screen(step), f"action_{action}", None)
        if method is not None:
            method()


def sample_data_dir() -> Path:
    """The repository's sample_data folder, next to the package."""
    import crm_migrate

    return Path(crm_migrate.__file__).resolve().parent.parent / "sample_data"
