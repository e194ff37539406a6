"""Step 3: target CRM and object, credentials (masked, stored in the keyring), connection test."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from crm_migrate.actions import OBJECTS, TARGETS
from crm_migrate.actions.connection import check_connection
from crm_migrate.actions.profiles import check_api_version
from crm_migrate.secrets import mask, set_token, token_source
from crm_migrate.tui.messages import ConnectionChecked
from crm_migrate.tui.screens.base import WizardStep, one_line

if TYPE_CHECKING:
    from textual.app import ComposeResult

BULK_OPTIONS = [
    ("REST, 200 records a call", "off"),
    ("Bulk API 2.0 above 2,000 rows", "auto"),
    ("Bulk API 2.0 always", "on"),
]

URL_HINTS = {
    "sandbox": "empty: the built-in sandbox; or http://127.0.0.1:PORT",
    "file": "output file, e.g. out/hubspot-contacts.csv or .xlsx",
    "salesforce": "instance URL, e.g. https://acme.my.salesforce.com",
}


class TargetStep(WizardStep):
    """Where the records go."""

    STEP = "target"
    FOCUS = "#target"
    BINDINGS = [
        Binding("ctrl+t", "test_connection", "Test", id="target.test", tooltip="Test the connection"),
        Binding("ctrl+s", "save_token", "Save token", id="target.save_token",
                tooltip="Store the token in the OS keyring"),
    ]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="target-form"):
            with Horizontal(classes="form-row"):
                yield Label("Target")
                yield Select([(t, t) for t in TARGETS], id="target", allow_blank=False,
                             value=self.state.target_step.target,
                             compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Object")
                yield Select([(o, o) for o in OBJECTS], id="object", allow_blank=False,
                             value=self.state.target_step.object_name,
                             compact=True)
            with Horizontal(classes="form-row"):
                yield Label("URL")
                yield Input(placeholder="default for the target", id="url", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Token")
                yield Input(placeholder="keyring / CRM_MIGRATE_TOKEN", password=True, id="token",
                            compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Region")
                yield Input(placeholder="e.g. US, DE (phones without +code)", id="region", compact=True)
            salesforce = self.state.target_step.target == "salesforce"
            with Horizontal(classes="form-row salesforce-only").set_styles(
                    display="block" if salesforce else "none"):
                yield Label("API version")
                yield Input(placeholder="default v60.0; e.g. v61.0", id="api-version", compact=True)
            with Horizontal(classes="form-row salesforce-only").set_styles(
                    display="block" if salesforce else "none"):
                yield Label("Bulk API")
                yield Select(BULK_OPTIONS, id="bulk", allow_blank=False,
                             value=self.state.target_step.bulk, compact=True)
            with Horizontal(classes="buttons"):
                yield Button("Test connection (ctrl+t)", id="test", variant="primary", compact=True)
                yield Button("Save token (ctrl+s)", id="save", compact=True)
        yield Static("", id="target-status")

    ready = False  # set once the step has been shown and filled from the state

    def shown(self) -> None:
        super().shown()
        self.call_after_refresh(setattr, self, "ready", True)

    def refresh_from_state(self) -> None:
        state = self.state
        for selector, value in (("#target", state.target_step.target), ("#object", state.target_step.object_name)):
            select = self.query_one(selector, Select)
            if select.value != value:
                select.value = value
        for selector, text in (("#url", state.target_step.url), ("#token", state.target_step.token), ("#region", state.target_step.region),
                               ("#api-version", state.target_step.api_version)):
            field = self.query_one(selector, Input)
            if field.value != (text or ""):
                field.value = text or ""
        bulk = self.query_one("#bulk", Select)
        if bulk.value != state.target_step.bulk:
            bulk.value = state.target_step.bulk
        self.show_target_options()
        self.show_token_source()

    def show_target_options(self) -> None:
        """The Salesforce rows (API version, Bulk API) only while Salesforce is the target."""
        for row in self.query(".salesforce-only"):
            row.display = self.state.target_step.target == "salesforce"

    def show_token_source(self) -> None:
        """Say where the token comes from (masked), or that the embedded sandbox is used."""
        state = self.state
        self.query_one("#url", Input).placeholder = URL_HINTS.get(state.target_step.target, "default for the target")
        status = self.query_one("#target-status", Static)
        if state.target_step.demo and state.target_step.target == "sandbox":
            status.update("Embedded sandbox CRM (started by `crm-migrate demo`): no account needed.")
            return
        if state.target_step.token:
            status.update(f"Token entered: {mask(state.target_step.token)}. This session's connection test and "
                          "push use it; ctrl+s stores it in the keyring for later sessions.")
            return
        status.update(self._without_stored_token())
        self.look_up_token_source(state.target_step.target)

    def _without_stored_token(self) -> str:
        state = self.state
        if state.target_step.target == "sandbox" and not state.target_step.url:
            return "No URL: the built-in sandbox CRM runs in-process; no account needed."
        if state.target_step.target == "sandbox":
            return "Sandbox at this URL: its default token is used unless you enter one."
        if state.target_step.target == "file":
            return ("File target: writes a ready-to-import .csv/.xlsx at the path in URL "
                    "(its name picks the CRM layout, e.g. salesforce-contacts.csv).")
        return f"No token for {state.target_step.target} yet: enter one and press ctrl+s."

    @work(thread=True, exclusive=True, exit_on_error=False, group="token-source")
    def look_up_token_source(self, target: str) -> None:
        """Ask the keyring off the UI thread (an OS keyring can take a while, or prompt)."""
        try:
            found = token_source(target)
        except Exception as exc:  # noqa: BLE001 - keyring backends raise their own errors
            self.app.call_from_thread(self._token_source_found, target, None, one_line(exc))
            return
        self.app.call_from_thread(self._token_source_found, target, found, None)

    def _token_source_found(self, target: str, source: str | None, error: str | None) -> None:
        if target != self.state.target_step.target or self.state.target_step.token:
            return  # the user moved on meanwhile
        status = self.query_one("#target-status", Static)
        if error:
            status.update(f"Credentials: {error}")
        elif source and source != "none":
            where = {"keyring": "the OS keyring", "env": "CRM_MIGRATE_TOKEN"}.get(source, source)
            status.update(f"Token for {target} from {where}.")

    @on(Select.Changed, "#target")
    def target_changed(self, event: Select.Changed) -> None:
        if not self.ready:  # the widgets' own start-up events, not the user
            return
        if event.value != self.state.target_step.target and isinstance(event.value, str):
            self.state.target_step.target = event.value
            self.state.mapping.schema = None
            self.state.clean_stale = True
            sandbox = getattr(self.app, "sandbox", None)
            if self.state.target_step.demo and sandbox is not None:
                self.state.target_step.url = sandbox.url if event.value == "sandbox" else None
                self.query_one("#url", Input).value = self.state.target_step.url or ""
            self.show_target_options()
            self.state.apply_target_options()
            self.show_token_source()

    @on(Select.Changed, "#object")
    def object_changed(self, event: Select.Changed) -> None:
        if not self.ready:  # the widgets' own start-up events, not the user
            return
        if event.value != self.state.target_step.object_name and isinstance(event.value, str):
            self.state.target_step.object_name = event.value
            self.state.target_step.object_chosen = True
            self.state.mapping.schema = None
            self.state.clean_stale = True

    @on(Input.Changed, "#url")
    def url_changed(self, event: Input.Changed) -> None:
        if not self.ready:  # the widgets' own start-up events, not the user
            return
        self.state.target_step.url = event.value.strip() or None

    @on(Input.Changed, "#token")
    def token_changed(self, event: Input.Changed) -> None:
        if not self.ready:  # the widgets' own start-up events, not the user
            return
        self.state.target_step.token = event.value.strip() or None

    @on(Input.Changed, "#api-version")
    def api_version_changed(self, event: Input.Changed) -> None:
        if not self.ready:  # the widgets' own start-up events, not the user
            return
        try:
            version = check_api_version(event.value)
        except Exception as exc:  # noqa: BLE001 - a ProfileError: shown as one line
            self.query_one("#target-status", Static).update(f"API version: {one_line(exc)}")
            return
        if version != self.state.target_step.api_version:
            self.state.target_step.api_version = version
            self.state.apply_target_options()

    @on(Select.Changed, "#bulk")
    def bulk_changed(self, event: Select.Changed) -> None:
        if not self.ready:  # the widgets' own start-up events, not the user
            return
        if isinstance(event.value, str) and event.value != self.state.target_step.bulk:
            self.state.target_step.bulk = event.value
            self.state.apply_target_options()

    @on(Input.Changed, "#region")
    def region_changed(self, event: Input.Changed) -> None:
        if not self.ready:  # the widgets' own start-up events, not the user
            return
        region = event.value.strip().upper() or None
        if region != self.state.target_step.region:
            self.state.target_step.region = region
            if self.state.mapping.profile is not None:
                self.state.mapping.profile.default_region = region
            self.state.clean_stale = True

    @on(Button.Pressed, "#save")
    def action_save_token(self) -> None:
        """Store the entered token in the keyring (never in a profile or journal)."""
        if not self.state.target_step.token:
            self.notify("Enter a token first.", severity="warning")
            return
        try:
            set_token(self.state.target_step.target, self.state.target_step.token)
        except Exception as exc:  # noqa: BLE001 - keyring backends raise their own errors
            self.notify(one_line(exc), severity="error")
            return
        self.notify(f"Token {mask(self.state.target_step.token)} stored in the keyring for {self.state.target_step.target}.")
        self.state.target_step.token = None
        self.query_one("#token", Input).value = ""
        self.show_token_source()

    @on(Button.Pressed, "#test")
    def action_test_connection(self) -> None:
        """Check the target and credentials in a worker."""
        self.query_one("#target-status", Static).update("Testing the connection…")
        self.check_connection()

    @work(thread=True, exclusive=True, exit_on_error=False, group="target")
    def check_connection(self) -> None:
        """Call the connector's check() and read its schema (live custom properties)."""
        state = self.state
        try:
            checked = check_connection(state.target_step.target, state.target_step.url, state.target_step.token, state.target_step.object_name,
                                       state.object_schema())
        except Exception as exc:  # noqa: BLE001 - shown as one line
            self.post_message(ConnectionChecked(False, one_line(exc)))
            return
        if checked.schema is not None:
            state.mapping.schema = checked.schema
        self.post_message(ConnectionChecked(True, checked.text))

    @on(ConnectionChecked)
    def connection_checked(self, event: ConnectionChecked) -> None:
        self.query_one("#target-status", Static).update(event.text)
        self.notify(event.text, severity="information" if event.ok else "error")
