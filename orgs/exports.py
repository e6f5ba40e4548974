"""Admin export formats.

django-import-export's own formula escaping deletes the leading "=" (changing the data)
and ignores + - @. Here a text cell is always written as text: nothing a user typed can
run as a formula in Excel, and nothing is lost.
"""

import io

from import_export.formats.base_formats import XLSX
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@")


def text_cell(sheet, value, bold=False):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # openpyxl took it for a formula; it is text
    if bold:
        cell.font = Font(bold=True)
    return cell


class SafeXLSX(XLSX):
    def export_data(self, dataset, **kwargs):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=(dataset.title or "Sheet1")[:31])
        sheet.freeze_panes = "A2"
        sheet.append([text_cell(sheet, header, bold=True) for header in dataset.headers or []])
        for row in dataset:
            sheet.append([text_cell(sheet, value) for value in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
