"""One exporter framework for every report (issue 8): an exporter says what a report
holds; the writers here turn it into xlsx, CSV, PDF or JSON.

An exporter (a subclass of `Exporter`) gives
- `sheets()`: the tables, each a `Sheet` of typed `Column`s and rows (tuples, one value
  per column, possibly a generator: a sheet is read once);
- `pdf_parts()`: the PDF as one or more `PdfPart`s (a template of `pdf/base.html` and
  its context); a long report gives several, rendered side by side (`render_parts`);
- `as_json()`: the machine-readable figures (templates.md "JSON reports").
It is built for a scope (never for "everything" unless the scope is the city) and
reads nothing at construction: the work happens when a writer asks.

`export(exporter, fmt, out, progress)` writes one format to the binary file `out`;
`progress(done, total)` is called as rows or parts are written (the background jobs
show it). Writers never evaluate a formula a user typed: a text cell is text.
"""

import contextlib
import csv
import datetime
import io
import json
import math
import os
import re
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from multiprocessing import get_context
from multiprocessing.connection import wait

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import ALL_TEMP_FILES, WorksheetWriter, create_temporary_file

from orgs.exports import FORMULA_STARTS
from orgs.pdf import PDF_OPTIONS, _default_base_url, _font_config

FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _("Excel")),
    "csv": ("text/csv; charset=utf-8", _("CSV")),
    "pdf": ("application/pdf", _("PDF")),
    "json": ("application/json; charset=utf-8", _("JSON")),
}

# Column kinds: how a value is written and what number format it gets in Excel.
TEXT, INT, MONEY, DATE, RATE = "text", "int", "money", "date", "rate"
NUMBER_FORMATS = {MONEY: "#,##0.00", DATE: "yyyy-mm-dd", RATE: "0.00%", INT: "0"}

# Excel's limits: 32,767 characters in a cell; XML 1.0 forbids most control characters
# (openpyxl raises IllegalCharacterError on them).
CELL_LIMIT = 32767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # half a character: not text in any encoding

Progress = Callable[[int, int], None]


def _no_progress(done, total):
    pass


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: float = 14  # in Excel's character widths; a Chinese character counts ~2


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    count: int | None = None  # rows, when known in advance (progress)


@dataclass
class PdfPart:
    """A piece of a PDF: `template` (extending pdf/base.html) rendered with `context`."""

    template: str
    context: dict = field(default_factory=dict)


class Exporter:
    """Base of the reports. Subclasses set `report` and the formats they offer."""

    report = ""
    formats: tuple = ("xlsx", "pdf", "json")
    # Above this many rows (`size()`), the pages run the export in the background.
    background_rows = 5000

    title = ""  # the document's title, on every PDF page and in the file's name
    scope_label = ""  # whose data: "玄武区", "南京市教育局", a social org's name

    def sheets(self) -> Iterable[Sheet]:
        raise NotImplementedError

    def pdf_parts(self) -> list[PdfPart]:
        raise NotImplementedError

    def as_json(self) -> dict:
        raise NotImplementedError

    def size(self) -> int:
        """Rows the export will write, roughly (decides direct download or background)."""
        return 0

    def runs_in_background(self, fmt) -> bool:
        """Whether the pages hand this export to a worker: a PDF lays out about a
        hundred rows in the time a workbook writes ten thousand."""
        limit = self.background_rows // 20 if fmt == "pdf" else self.background_rows
        return self.size() > limit

    def filename(self, fmt):
        name = f"{self.title}（{self.scope_label}）" if self.scope_label else str(self.title)
        return f"{_SAFE_NAME.sub('_', name)}.{fmt}"


_SAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\"<>:|?*]')


def export(exporter: Exporter, fmt: str, out, progress: Progress | None = None):
    """Write `exporter` as `fmt` to the binary file `out`."""
    if fmt not in exporter.formats:
        raise ValueError(f"{exporter.report} has no {fmt}")
    progress = progress or _no_progress
    if fmt == "xlsx":
        write_xlsx(exporter.sheets(), out, progress, title=str(exporter.title))
    elif fmt == "csv":
        write_csv(next(iter(exporter.sheets())), out, progress)
    elif fmt == "pdf":
        out.write(render_parts(exporter.pdf_parts(), progress))
    elif fmt == "json":
        out.write(json_bytes(exporter.as_json()))
        progress(1, 1)
    else:
        raise ValueError(fmt)


# --- xlsx -------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """`value` as text every format can hold: XML's forbidden characters dropped, half
    a character (a lone surrogate) shown as ?, cut at Excel's cell limit."""
    value = _SURROGATE.sub("?", _ILLEGAL.sub("", value))
    if len(value) > CELL_LIMIT:
        value = value[: CELL_LIMIT - 1] + "…"
    return value


class _RowSheet(WriteOnlyWorksheet):
    """A write-only worksheet that takes whole rows as XML text (`append_row`).

    openpyxl's own write-only path makes a Cell object per value, infers its type and
    writes it through lxml's `xf.element` calls: about 15 µs a cell, 30 s for the members
    of a city. Here each column's writer is chosen once and gives its `<c>` as escaped
    text, and a row goes to the sheet's file as UTF-8 bytes, between the `<sheetData>`
    tags that lxml writes (flushed first). It relies on the write-only sheet's writer
    (`_writer`, `_rows`, pinned openpyxl 3.1); the tests read every file back with
    openpyxl, XML-special text included."""

    _file = _temp_path = None  # (openpyxl's _path is the sheet's name in the archive)

    def _get_writer(self):
        if self._writer is None:
            self._temp_path = create_temporary_file()
            self._file = open(self._temp_path, "wb")  # noqa: SIM115 - closed in close()
            self._writer = WorksheetWriter(self, out=self._file)
            self._writer.write_top()

    def _write_rows(self):
        xf = self._writer.xf.send(True)
        with xf.element("sheetData"):
            xf.flush()
            write = self._file.write
            try:
                while True:
                    write((yield))
            except GeneratorExit:
                pass
        self._writer.xf.send(None)

    def append_row(self, number: str, cells: Iterable[str]):
        self._get_writer()
        if self._rows is None:
            self._rows = self._write_rows()
            next(self._rows)
        self._rows.send(f'<row r="{number}">{"".join(cells)}</row>'.encode())

    def discard(self):
        """Close and delete the sheet's file (an export that failed)."""
        if self._file is not None:
            with contextlib.suppress(Exception):  # end the XML writers before the file goes
                self.close()
            self._file.close()
            with contextlib.suppress(FileNotFoundError):
                os.remove(self._temp_path)
            with contextlib.suppress(ValueError):
                ALL_TEMP_FILES.remove(self._temp_path)

    def close(self):
        try:
            super().close()
        finally:
            if self._file is not None:
                self._file.close()
                self._writer.out = self._temp_path  # the workbook copies it into the archive


def _style_id(sheet, **style):
    """The workbook's id of a cell style (registered on first use)."""
    cell = WriteOnlyCell(sheet)
    for name, value in style.items():
        setattr(cell, name, value)
    return str(cell.style_id)


_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _inline_string(value, start):
    """`<c>` of a text value (cleaned) as an inline string: text, never a formula."""
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'{start} t="inlineStr"><is><t{space}>{value.translate(_XML_TEXT)}</t></is></c>'


def _cell_writer(sheet, column, letter):
    """A function giving the `<c>` of one value of `column` in row `number` (text): text
    as an inline string (never a formula), numbers and dates as typed cells with the
    column's number format; "" for an empty value."""
    number_format = NUMBER_FORMATS.get(column.kind)
    style = f' s="{_style_id(sheet, number_format=number_format)}"' if number_format else ""
    epoch = sheet.parent.epoch

    def text(number, value):
        if value is None:
            return ""
        value = clean_text(value if isinstance(value, str) else str(value))
        return _inline_string(value, f'<c r="{letter}{number}"') if value else ""

    def numeric(number, value):
        if value is None or value == "":
            return ""
        if isinstance(value, str):  # a figure that came as text
            value = Decimal(value)
        elif isinstance(value, bool):
            value = int(value)
        if isinstance(value, float | Decimal) and not math.isfinite(value):
            return ""  # Excel has no NaN or infinity: an empty cell, as in CSV
        return f'<c r="{letter}{number}" t="n"{style}><v>{value}</v></c>'

    def date(number, value):
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:  # a masked date, "不详": shown as given
                return text(number, value)
        elif not isinstance(value, datetime.date):  # an age where the birth date is hidden
            return f'<c r="{letter}{number}" t="n"><v>{value}</v></c>'
        if isinstance(value, datetime.datetime):
            value = value.replace(tzinfo=None)
        return f'<c r="{letter}{number}" t="n"{style}><v>{to_excel(value, epoch)}</v></c>'

    if column.kind == TEXT:
        return text
    if column.kind == DATE:
        return date
    return numeric


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEEEEE")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")


def write_xlsx(sheets: Iterable[Sheet], out, progress: Progress = _no_progress, *, title=""):
    """Constant-memory xlsx (openpyxl write-only, lxml): a bold frozen header row with
    filters, column widths, typed numbers and dates, and text that stays text."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = title or None
    workbook.properties.creator = "党建通"
    sheets = list(sheets)
    try:
        _write_sheets(workbook, sheets, progress)
    except BaseException:
        for ws in workbook.worksheets:
            if isinstance(ws, _RowSheet):
                ws.discard()  # a half-written sheet of personal data is not left in /tmp
        raise
    if not sheets:
        workbook.create_sheet(title="Sheet1")
    workbook.save(out)


def _write_sheets(workbook, sheets, progress):
    total = sum(sheet.count or 0 for sheet in sheets) or 0
    done = 0
    for sheet in sheets:
        ws = _RowSheet(parent=workbook, title=_sheet_title(sheet.title))
        workbook._add_sheet(ws)
        letters = [get_column_letter(i) for i in range(1, len(sheet.columns) + 1)]
        for letter, column in zip(letters, sheet.columns, strict=True):
            ws.column_dimensions[letter].width = column.width
        ws.freeze_panes = "A2"
        bold = _style_id(ws, font=HEADER_FONT, fill=HEADER_FILL, alignment=HEADER_ALIGN)
        header = f'<c r="{{}}1" s="{bold}"'
        ws.append_row("1", [
            _inline_string(clean_text(str(column.header)), header.format(letter))
            for letter, column in zip(letters, sheet.columns, strict=True)
        ])  # fmt: skip
        writers = [
            _cell_writer(ws, column, letter)
            for column, letter in zip(sheet.columns, letters, strict=True)
        ]
        rows = 0
        for row in sheet.rows:
            rows += 1
            number = str(rows + 1)
            cells = [w(number, v) for w, v in zip(writers, row, strict=True)]
            if cells and not cells[-1]:  # so that every row reads back as wide as the header
                cells[-1] = f'<c r="{letters[-1]}{number}"/>'
            ws.append_row(number, cells)
            if rows % 5000 == 0:
                progress(done + rows, max(total, done + rows))
        done += rows
        last = letters[-1] if letters else "A"
        ws.auto_filter.ref = f"A1:{last}{rows + 1}"
        progress(done, max(total, done))


def _sheet_title(title):
    # Excel: at most 31 characters, none of []:*?/\
    return re.sub(r"[\[\]:*?/\\]", "_", str(title))[:31] or "Sheet1"


# --- CSV --------------------------------------------------------------------------------


def csv_text(value):
    """A value as CSV text: dates ISO, money with two decimals, and a text that Excel
    would run as a formula prefixed with an apostrophe (Excel shows it as text)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return ""
    value = clean_text(str(value))
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(sheet: Sheet, out, progress: Progress = _no_progress):
    """One sheet as CSV in UTF-8 with a BOM (so that Excel reads the Chinese), CRLF."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([csv_text(column.header) for column in sheet.columns])
    rows = 0
    for row in sheet.rows:
        writer.writerow([csv_text(value) for value in row])
        rows += 1
        if rows % 5000 == 0:
            progress(rows, max(sheet.count or 0, rows))
    text.flush()
    text.detach()
    progress(rows, rows)


# --- JSON -------------------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "__html__") or isinstance(value, type(_(""))):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_bytes(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, default=_json_default) + "\n").encode()


# --- PDF --------------------------------------------------------------------------------

# Processes rendering the parts of a long PDF (WeasyPrint's layout uses one core).
PDF_WORKERS = max(1, min(2, os.cpu_count() or 1))
# A part (at most a few hundred rows, seconds) still laying out after this is stuck: it is
# killed and the export fails rather than holding the worker for ever.
PDF_PART_SECONDS = 600


def render_html(part: PdfPart, **extra) -> str:
    return render_to_string(part.template, {**part.context, **extra})


def _write_pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    document = HTML(
        string=html,
        base_url=_default_base_url(),
        url_fetcher=URLFetcher(allowed_protocols={"file", "data"}),
    )
    return document.write_pdf(font_config=_font_config(), **PDF_OPTIONS)


def render_parts(parts: Sequence[PdfPart], progress: Progress = _no_progress) -> bytes:
    """One PDF of `parts`, in order.

    A single part renders in this process, with "第 N 页 / 共 M 页" from CSS. Several
    render side by side, PDF_WORKERS at a time, without page numbers (no part knows how
    many pages came before it); the pages are then joined and stamped with the numbers
    of a footer-only document of the same length.
    """
    parts = list(parts)
    if len(parts) == 1:
        pdf = _write_pdf(render_html(parts[0]))
        progress(1, 1)
        return pdf
    htmls = [render_html(part, unnumbered=True) for part in parts]
    if len(htmls) > PDF_WORKERS:
        _warm_up()
    steps = len(htmls) + 1
    pdfs = _render_forked(htmls, lambda done: progress(done, steps))
    result = _join(pdfs, landscape=parts[0].context.get("landscape", False))
    progress(steps, steps)
    return result


_WARM_HTML = (
    '<html lang="zh-CN"><body style="font-family: \'Noto Sans CJK SC\'">'
    "<p>第 1 页 / 共 1 页 <b>党组织</b></p></body></html>"
)
_warm = False


def _warm_up():
    """Lay out one line of Chinese, regular and bold, once in this process: the fonts,
    Pango's font map and WeasyPrint's caches are then loaded before the fork, and every
    child inherits them (a cold child spends about 0.4 s loading them itself)."""
    global _warm
    if not _warm:
        _write_pdf(_WARM_HTML)
        _warm = True


def _render_child(html, conn):
    try:
        conn.send(("ok", _write_pdf(html)))
    except BaseException:  # noqa: BLE001 - the parent raises it with the part named
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def _render_forked(htmls: Sequence[str], done: Callable[[int], None]) -> list[bytes]:
    """The PDF of each HTML, each laid out by a fresh forked process, PDF_WORKERS at a
    time. A fresh process per part (not a pool reusing its workers) gives its memory
    back when the part is done: WeasyPrint's layout of a long table grows a process by
    hundreds of MB that Python keeps after the document is written.

    fork: the children inherit the loaded fonts and templates; they touch no database
    and leave through os._exit (multiprocessing's), so the parent's connections stay
    open."""
    context = get_context("fork")
    pdfs: list[bytes | None] = [None] * len(htmls)
    todo = list(enumerate(htmls))
    todo.reverse()
    running = {}  # the parent's end of each child's pipe: (part index, process, deadline)
    try:
        while todo or running:
            while todo and len(running) < PDF_WORKERS:
                index, html = todo.pop()
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_render_child, args=(html, send), daemon=True)
                process.start()
                send.close()
                running[receive] = (index, process, time.monotonic() + PDF_PART_SECONDS)
            first = min(deadline for _index, _process, deadline in running.values())
            ready = wait(list(running), timeout=max(first - time.monotonic(), 0))
            if not ready:
                late = min(running.values(), key=lambda entry: entry[2])[0]
                raise RuntimeError(
                    f"PDF part {late + 1} of {len(htmls)} took over {PDF_PART_SECONDS} s"
                )
            for receive in ready:
                index, process, _deadline = running[receive]
                try:
                    status, payload = receive.recv()
                except EOFError:  # it died before it could answer
                    process.join()
                    status, payload = "error", f"exit code {process.exitcode}"
                # Forgotten only once answered: anything raised before leaves it to the
                # finally below, which kills it.
                del running[receive]
                receive.close()
                process.join()
                if status != "ok":
                    raise RuntimeError(f"PDF part {index + 1} of {len(htmls)} failed: {payload}")
                pdfs[index] = payload
                done(sum(pdf is not None for pdf in pdfs))
    finally:
        for receive, (_index, process, _deadline) in running.items():
            process.kill()
            process.join()
            receive.close()
    return pdfs


def _page_numbers(pages: int, landscape: bool) -> list:
    """The footer pages "第 N 页 / 共 M 页" of a document of `pages` pages, laid out in
    PDF_WORKERS pieces side by side (the footers of 200 pages take about a second)."""
    from pypdf import PdfReader

    size = max(-(-pages // PDF_WORKERS), 1)
    htmls = [
        render_to_string(
            "pdf/page_numbers.html",
            {
                "numbers": range(start + 1, min(start + size, pages) + 1),
                "total": pages,
                "landscape": landscape,
            },
        )  # fmt: skip
        for start in range(0, pages, size)
    ]
    pdfs = _render_forked(htmls, lambda done: None) if len(htmls) > 1 else [_write_pdf(htmls[0])]
    return [page for pdf in pdfs for page in PdfReader(io.BytesIO(pdf)).pages]


def _join(pdfs: Sequence[bytes], *, landscape=False) -> bytes:
    """The pages of `pdfs` in order, each stamped "第 N 页 / 共 M 页"."""
    from pypdf import PdfReader, PdfWriter

    readers = [PdfReader(io.BytesIO(pdf)) for pdf in pdfs]
    footers = _page_numbers(sum(len(reader.pages) for reader in readers), landscape)
    writer = PdfWriter()
    for reader in readers:
        writer.append(reader)
    for page, numbers in zip(writer.pages, footers, strict=True):
        page.merge_page(numbers, over=True)
        page.compress_content_streams()  # merging leaves them uncompressed
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
