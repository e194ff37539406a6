"""Modal dialogs: confirm, text prompt, file picker and the fuzzy field picker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from textual.app import ComposeResult


class ConfirmModal(ModalScreen[bool]):
    """Ask yes/no; dismisses True on yes."""

    BINDINGS = [
        Binding("escape,n", "no", "No", id="confirm.no", tooltip="Cancel"),
        Binding("y", "yes", "Yes", id="confirm.yes", tooltip="Confirm"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="modal")
        self.question = question
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes_label} (y)", id="yes", variant="error")
                yield Button(f"{self.no_label} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)


class PromptModal(ModalScreen[str | None]):
    """Ask for one line of text (Enter accepts, Escape cancels)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel", tooltip="Cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "", hint: str = "") -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            # the cursor waits at the end of the value: fixing a typo is the usual edit
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input",
                        select_on_focus=False)
            if self.hint:
                yield Label(self.hint, classes="dim")

    @on(Input.Submitted)
    def accept(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FilePickerModal(ModalScreen[str | None]):
    """Pick a file from a directory tree, or type a path; Enter accepts."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel", tooltip="Close the picker")]

    def __init__(self, start: Path) -> None:
        super().__init__(classes="modal")
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Label("Add a file: pick it in the tree, or type its path and press Enter",
                        classes="dialog-title")
            yield Input(placeholder="path/to/file.csv", id="path-input")
            yield DirectoryTree(self.start, id="file-tree")

    @on(DirectoryTree.FileSelected)
    def picked(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(str(event.path))

    @on(Input.Submitted)
    def typed(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        path = Path(text).expanduser()
        if path.is_dir():
            self.query_one(DirectoryTree).path = path
            return
        self.dismiss(str(path))

    def action_cancel(self) -> None:
        self.dismiss(None)


class FieldPickerModal(ModalScreen[str | None]):
    """Choose a target field by fuzzy search; '(leave out)' returns ''."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="fieldpicker.cancel", tooltip="Keep the mapping")]

    def __init__(self, column: str, choices: list[tuple[str, str]], current: str | None) -> None:
        super().__init__(classes="modal")
        self.column = column
        self.choices = choices  # (value, label)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Label(f"Field for column {self.column!r}: type to search, Enter picks",
                        classes="dialog-title")
            yield Input(placeholder="search fields…", id="field-search")
            yield OptionList(id="field-options")

    def on_mount(self) -> None:
        self.fill("")

    def fill(self, query: str) -> None:
        """List the choices matching `query`, best first."""
        options = self.query_one(OptionList)
        options.clear_options()
        scored: list[tuple[float, str, str]] = []
        for value, label in self.choices:
            text = f"{value} {label}"
            score = 100.0 if not query else max(fuzz.partial_ratio(query.lower(), text.lower()),
                                                fuzz.WRatio(query, text))
            if score >= 60:
                scored.append((score, value, label))
        if query:
            scored.sort(key=lambda item: -item[0])
        for _, value, label in scored:
            mark = "● " if value == (self.current or "") else "  "
            options.add_option(Option(f"{mark}{label}  [dim]{value or ''}[/]", id=value or "__none__"))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed)
    def search(self, event: Input.Changed) -> None:
        self.fill(event.value)

    @on(Input.Submitted)
    def take_first(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss("" if option.id == "__none__" else option.id)

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss("" if event.option.id == "__none__" else event.option.id)

    def key_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def key_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


class ValueMapModal(ModalScreen[dict[str, str | None] | None]):
    """Edit a picklist value map, one `source value: option` per line; ctrl+s keeps it."""

    BINDINGS = [
        Binding("ctrl+s", "keep", "Keep", id="valuemap.keep", tooltip="Use this value map"),
        Binding("escape", "cancel", "Cancel", id="valuemap.cancel", tooltip="Leave it as it was"),
    ]

    def __init__(self, title: str, pairs: dict[str, str], options: list[str], *,
                 text: str | None = None,
                 parse: Callable[[str], dict[str, str | None]] | None = None) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.pairs = pairs
        self.options = options
        self.text = text  # the editor's own text (undecided values marked), when given
        self.parse = parse

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Label(self.title_text, classes="dialog-title")
            text = self.text if self.text is not None else "\n".join(
                f"{k}: {v}" for k, v in self.pairs.items())
            yield TextArea(text, id="value-map")
            yield Label("every value of the column, one 'source value: option' per line; a value "
                        "left without an option is undecided: clean reports it and its rows fail "
                        "the push; '-' leaves it empty · ctrl+s keeps · escape cancels\n"
                        f"options: {', '.join(self.options)}", classes="dim hint")

    def action_keep(self) -> None:
        text = self.query_one(TextArea).text
        if self.parse is not None:
            self.dismiss(self.parse(text))
            return
        out: dict[str, str | None] = {}
        for line in text.splitlines():
            source, sep, option = line.rpartition(":")
            if sep and source.strip() and option.strip():
                out[source.strip()] = option.strip()
        self.dismiss(out)

    def action_cancel(self) -> None:
        self.dismiss(None)
