"""A DataTable that shows one page of a large frame at a time, so keys stay fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Label
from textual.widgets.data_table import ColumnKey

if TYPE_CHECKING:
    import pandas as pd

def width_scale(terminal_width: int) -> float:
    """How much wider than at 80 columns cells may be (1.0 up to 80 columns, 1.5 at 120)."""
    return max(1.0, terminal_width / 80)


class Caption(Label):
    """A one-line caption as wide as its container.

    Its size never depends on its text, so a new text (every page turn, cursor move or
    progress report) repaints the line only; a Label's update lays out the whole screen again.
    A text too long for the line ends in an ellipsis.
    """

    DEFAULT_CSS = "Caption { width: 1fr; height: 1; text-wrap: nowrap; text-overflow: ellipsis; }"

    def update(self, content: Any = "", *, layout: bool = False) -> None:
        super().update(content, layout=layout)


PAGE_SIZE = 50  # rows a page: more fits no screen, and each page turn measures every cell


class PagedTable(DataTable[Text]):
    """At most PAGE_SIZE rows of a frame are widgets at once; ctrl+pagedown/pageup page."""

    BINDINGS = [
        Binding("ctrl+pagedown,right_square_bracket", "next_page", "Next page", id="table.next_page",
                tooltip="Show the next page of rows", show=False),
        Binding("ctrl+pageup,left_square_bracket", "prev_page", "Prev page", id="table.prev_page",
                tooltip="Show the previous page of rows", show=False),
    ]

    class PageChanged(Message):
        """The visible page changed."""

        def __init__(self, table: PagedTable) -> None:
            super().__init__()
            self.table = table

    def __init__(self, *, page_size: int = PAGE_SIZE, max_width: int = 30, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "cell")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self.page_size = page_size
        self.max_width = max_width
        self.page = 0
        self._frame: pd.DataFrame | None = None
        self._columns: list[str] = []
        self._show_index = True
        self._widths: dict[str, int] = {}
        self._scale = 1.0  # the width scale the page's cells were cut at

    @property
    def total(self) -> int:
        return 0 if self._frame is None else len(self._frame)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def show_frame(self, frame: pd.DataFrame | None, columns: list[str] | None = None,
                   index_label: str | None = "row", page: int = 0,
                   widths: dict[str, int] | None = None) -> None:
        """Show a frame (its index as the first column unless index_label is None) from `page`."""
        self._frame = frame
        self._show_index = index_label is not None
        self._widths = widths or {}
        self._columns = list(columns if columns is not None else (frame.columns if frame is not None else []))
        self.clear(columns=True)
        if frame is None:
            return
        if index_label is not None:
            self.add_column(index_label, key="__index__")
        for column in self._columns:
            self.add_column(str(column)[: self.max_width], key=str(column))
            
        self.show_page(min(page, self.pages - 1))

    def show_page(self, page: int) -> None:
        """Replace the rows with page `page` (0-based)."""
        self.page = max(0, min(page, self.pages - 1))
        self.clear()
        if self._frame is None:
            return
        start = self.page * self.page_size
        chunk = self._frame.iloc[start : start + self.page_size]
        scale = width_scale(self.app.size.width)
        rescaled, self._scale = scale != self._scale, scale
        widths = {c: int(self._widths.get(c, self.max_width) * scale) for c in self._columns}
        rows = []
        keys = []
        for index, values in zip(chunk.index, chunk[self._columns].itertuples(index=False, name=None),
                                 strict=False):
            cells = [Text(self._cut(str(v), widths[c])) for c, v in zip(self._columns, values,
                                                                            strict=False)]
            rows.append([Text(str(index)), *cells] if self._show_index else cells)
            keys.append(str(index))
        # Widths from the cells, set now: the table's idle-time measuring could be caught (by a
        # snapshot, on a busy machine) before it ran, drawing cells cut to the header. A column
        # only widens as pages turn: a table whose width changes lays out the whole screen again
        # (with the caption's, a quarter of a page turn's work), and columns that jump about as
        # pages turn are hard to read.
        labels = (["__index__"] if self._show_index else []) + list(self._columns)
        for position, key in enumerate(labels):
            column = self.columns.get(ColumnKey(key))
            if column is None:
                continue
            widest = max([column.label.cell_len, *(row[position].cell_len for row in rows)])
            if column.auto_width or rescaled:
                column.auto_width, column.width = False, widest
            elif widest > column.width:
                column.width = widest
        for key, row in zip(keys, rows, strict=False):
            self.add_row(*row, key=key)
        self.post_message(self.PageChanged(self))

    def on_resize(self) -> None:
        """A terminal that grew or shrank past 80 columns: cut the page's cells anew (they were
        cut for the width the app had when the page was shown, e.g. before its first resize)."""
        if self._frame is not None and width_scale(self.app.size.width) != self._scale:
            row, column = self.cursor_row, self.cursor_column
            self.show_page(self.page)
            self.move_cursor(row=row, column=column)

    @staticmethod
    def _cut(value: str, width: int) -> str:
        value = value.replace("\n", " ")
        return value if len(value) <= width else value[: width - 1] + "…"

    def page_caption(self) -> str:
        """'rows 1–50 of 1,000,000 · page 1/20,000'."""
        if not self.total:
            return "no rows"
        start = self.page * self.page_size + 1
        end = min(self.total, start + self.page_size - 1)
        return f"rows {start:,}–{end:,} of {self.total:,} · page {self.page + 1:,}/{self.pages:,}"

    def action_next_page(self) -> None:
        """Show the next page."""
        if self.page + 1 < self.pages:
            column = self.cursor_column
            self.show_page(self.page + 1)
            self.move_cursor(row=0, column=column)

    def action_prev_page(self) -> None:
        """Show the previous page."""
        if self.page > 0:
            column = self.cursor_column
            self.show_page(self.page - 1)
            self.move_cursor(row=0, column=column)

    def action_page_down(self) -> None:
        """Page down within the page; at its last row go on to the next page."""
        if self.cursor_row >= self.row_count - 1 and self.page + 1 < self.pages:
            self.action_next_page()
            return
        super().action_page_down()

    def action_page_up(self) -> None:
        """Page up within the page; at its first row go back to the previous page."""
        if self.cursor_row <= 0 and self.page > 0:
            column = self.cursor_column
            self.show_page(self.page - 1)
            self.move_cursor(row=self.row_count - 1, column=column)
            return
        super().action_page_up()
