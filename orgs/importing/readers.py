"""Read an uploaded .xlsx or .csv into a header and numbered rows, refusing what is unsafe.

A spreadsheet row number N is what the user sees in Excel: the header is row 1.
"""

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from orgs.importing.widgets import clean_text
from orgs.validators import human_size


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


@dataclass
class Table:
    headers: list  # header texts in file order, trimmed ("" for an empty header cell)
    rows: list = field(default_factory=list)  # (row number, {header: raw value})


def _size_of(file):
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(position)
    return size


def read_table(file, filename):
    """Read `file` (a binary file object) named `filename` into a Table."""
    if _size_of(file) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("文件超过{size}，请拆分后分批导入").format(size=human_size(settings.IMPORT_MAX_BYTES))
        )
    name = (filename or "").lower()
    file.seek(0)
    if name.endswith(".xlsx"):
        raw_rows = _xlsx_rows(file)
    elif name.endswith(".csv"):
        raw_rows = _csv_rows(file)
    else:
        raise ImportFileError(_("仅支持 .xlsx 和 .csv 文件（.xls 请在Excel中另存为 .xlsx）"))
    return _to_table(raw_rows)


def _xlsx_rows(file):
    data = file.read()
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise ImportFileError(_("文件不是有效的 .xlsx 工作簿（可能已损坏或只是改了扩展名）"))
    try:
        _check_unpacked_size(buffer, settings.IMPORT_MAX_UNPACKED_BYTES)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ImportFileError(_("文件不是有效的 .xlsx 工作簿：{error}").format(error=exc)) from exc
    buffer.seek(0)
    # calamine (Rust) reads a 20,000-row register in a fraction of openpyxl's time. Date
    # cells arrive as dates, numbers as floats, formulas as their cached value or "".
    try:
        workbook = CalamineWorkbook.from_filelike(buffer)
        if not workbook.sheet_names:
            raise ImportFileError(_("工作簿中没有工作表"))
        sheet = workbook.get_sheet_by_index(0)
        yield from sheet.iter_rows()
    except CalamineError as exc:
        raise ImportFileError(_("无法读取工作簿：{error}").format(error=exc)) from exc


def _check_unpacked_size(buffer, limit):
    """Refuse a zip bomb: count the bytes that really come out, not the declared sizes.

    A small file that unpacks to gigabytes is a bomb, not a register, and the sizes in a
    zip's directory are whatever its maker wrote.
    """
    total = 0
    with zipfile.ZipFile(buffer) as archive:
        for info in archive.infolist():
            with archive.open(info) as member:
                while chunk := member.read(1 << 20):
                    total += len(chunk)
                    if total > limit:
                        raise ImportFileError(_("工作簿解压后过大，拒绝读取"))
    buffer.seek(0)


def _csv_rows(file):
    data = file.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("CSV文件不是UTF-8编码；在Excel中请选择“CSV UTF-8（逗号分隔）”另存后再导入")
        ) from None
    if "\x00" in text:
        raise ImportFileError(_("CSV文件含有空字符，可能不是文本文件"))
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise ImportFileError(_("CSV格式错误：{error}").format(error=exc)) from exc


def _to_table(raw_rows):
    iterator = iter(raw_rows)
    header_cells = next(iterator, None)
    if not header_cells or not any(clean_text(cell) for cell in header_cells):
        raise ImportFileError(_("第1行应为表头，但是空的"))
    headers = [clean_text(cell) for cell in header_cells]
    table = Table(headers=headers)
    limit = settings.IMPORT_MAX_ROWS
    for number, cells in enumerate(iterator, start=2):
        values = [cell if not isinstance(cell, str) else cell.strip() for cell in cells]
        if not any(value not in (None, "") for value in values):
            continue  # blank lines between rows are harmless
        if len(table.rows) >= limit:
            raise ImportFileError(_("数据超过{n}行，请拆分后分批导入").format(n=limit))
        # A CSV line may stop early: its missing cells are empty, so required columns
        # are still checked.
        row = dict.fromkeys(header for header in headers if header)
        for index, value in enumerate(values):
            header = headers[index] if index < len(headers) else ""
            if header:
                row[header] = value
            elif value not in (None, ""):
                row.setdefault("", value)  # data under an empty header: reported by the service
        table.rows.append((number, row))
    return table
