"""The downloadable .xlsx of a template: header, one example row, drop-downs for choices.

Choice lists live on a hidden sheet 选项 and the data validations refer to its ranges,
because Excel limits an inline list to 255 characters.
"""

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

OPTIONS_SHEET = "选项"
VALIDATED_ROWS = 5000


def template_workbook(template):
    """The template as .xlsx bytes."""
    resource = template.resource_class()
    fields = resource.get_import_fields()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = template.title
    options = workbook.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"

    required = set(template.required_columns)
    sheet.append([f.column_name for f in fields])
    sheet.append([template.example_row.get(f.column_name, "") for f in fields])
    sheet.freeze_panes = "A2"
    for index, field_ in enumerate(fields, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if field_.column_name in required else "000000")
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        if field_.column_name in required:
            cell.comment = Comment("必填", "党建通")
        sheet.column_dimensions[letter].width = max(12, len(field_.column_name) * 2 + 4)
        choices = getattr(field_.widget, "template_choices", lambda: None)()
        if not choices:
            continue
        options.cell(row=1, column=index, value=field_.column_name)
        for row, label in enumerate(choices, start=2):
            options.cell(row=row, column=index, value=label)
        source = f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$2:${letter}${len(choices) + 1}"
        validation = DataValidation(
            type="list",
            formula1=source,
            allow_blank=field_.column_name not in required,
            showErrorMessage=True,
            errorTitle="请从下拉列表选择",
            error=f"“{field_.column_name}”只能填下拉列表中的值",
        )
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
