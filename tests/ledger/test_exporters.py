"""The exporter framework's writers (ledger/exporters.py), each file read back: xlsx by
openpyxl, CSV as Excel reads it (UTF-8 with BOM), PDF by pypdf, JSON by json."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from ledger import exporters
from ledger.exporters import DATE, INT, MONEY, Column, Exporter, PdfPart, Sheet

COLUMNS = (
    Column("社会组织名称", width=30),
    Column("成立日期", DATE, 12),
    Column("党员数", INT, 8),
    Column("活动经费", MONEY, 12),
)
ROWS = [
    ("南京市玄武区社会工作协会", datetime.date(2020, 3, 1), 12, Decimal("3000.00")),
    ('=HYPERLINK("http://x","点我")', "2021-05-06", "7", "1800.50"),
    ("+86 电话", None, None, None),
    ("-负数样子", datetime.date(2022, 1, 1), 0, Decimal("0")),
    ("@SUM(A1)", datetime.date(2022, 1, 2), 1, Decimal("1.1")),
    ("控制\x01字符\x1f被去掉", datetime.date(2022, 1, 3), 2, Decimal("2")),
]


class Small(Exporter):
    report = "test"
    formats = ("xlsx", "csv", "pdf", "json")
    title = "测试报表"
    scope_label = "玄武区"

    def __init__(self, rows=ROWS, parts=1, per_part=40):
        self.rows, self.parts, self.per_part = rows, parts, per_part

    def sheets(self):
        yield Sheet("社会组织", COLUMNS, iter(self.rows), len(self.rows))
        yield Sheet("空表", (Column("名称"),), iter(()), 0)

    def pdf_parts(self):
        return [
            PdfPart("ledger/pdf/test_table.html", {"title": self.title, "rows": [
                (f"第{part}部分第{n}行社会组织", n) for n in range(self.per_part)
            ]})
            for part in range(self.parts)
        ]  # fmt: skip

    def as_json(self):
        return {"year": 2026, "amount": Decimal("3000"), "as_of": datetime.date(2026, 9, 1)}


def written(exporter, fmt, progress=None):
    out = io.BytesIO()
    exporters.export(exporter, fmt, out, progress)
    return out.getvalue()


@pytest.fixture
def table_template(settings, tmp_path):
    folder = tmp_path / "templates" / "ledger" / "pdf"
    folder.mkdir(parents=True)
    (folder / "test_table.html").write_text(
        """{% extends "pdf/base.html" %}
{% block doc_title %}{{ title }}{% endblock %}{% block scope %}玄武区 · 两新工委{% endblock %}
{% block content %}<table><thead><tr><th>社会组织名称</th><th>序号</th></tr></thead><tbody>
{% for name, n in rows %}<tr><td>{{ name }}</td><td>{{ n }}</td></tr>{% endfor %}
</tbody></table>{% endblock %}""",
        encoding="utf-8",
    )
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [*engine["DIRS"], tmp_path / "templates"]
    settings.TEMPLATES = [engine]


# --- xlsx -----------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_sheet_with_its_rows():
    book = load_workbook(io.BytesIO(written(Small(), "xlsx")))
    assert book.sheetnames == ["社会组织", "空表"]
    sheet = book["社会组织"]
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert sheet.max_row == len(ROWS) + 1
    assert book["空表"].max_row == 1


def test_xlsx_header_is_frozen_filtered_and_columns_have_widths():
    sheet = load_workbook(io.BytesIO(written(Small(), "xlsx")))["社会组织"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:D{len(ROWS) + 1}"
    assert sheet.column_dimensions["A"].width == 30
    assert sheet["A1"].font.bold


@pytest.mark.parametrize(
    ("row", "text"),
    [
        (3, '=HYPERLINK("http://x","点我")'),
        (4, "+86 电话"),
        (5, "-负数样子"),
        (6, "@SUM(A1)"),
    ],
)
def test_a_formula_looking_text_stays_text_and_intact(row, text):
    cell = load_workbook(io.BytesIO(written(Small(), "xlsx")))["社会组织"][f"A{row}"]
    assert cell.data_type == "s"
    assert cell.value == text


def test_numbers_and_dates_are_typed_cells():
    sheet = load_workbook(io.BytesIO(written(Small(), "xlsx")))["社会组织"]
    assert sheet["B2"].value == datetime.datetime(2020, 3, 1)  # a date cell, not text
    assert sheet["B2"].is_date
    assert sheet["B3"].is_date  # given as ISO text, written as a date
    assert sheet["C3"].value == 7 and sheet["C3"].data_type == "n"
    assert sheet["D2"].value == 3000 and sheet["D2"].number_format == "#,##0.00"
    assert sheet["D3"].value == pytest.approx(1800.5)
    assert sheet["B4"].value is None


def test_control_characters_are_dropped_and_a_huge_cell_is_cut_to_excels_limit():
    rows = [("控制\x01字符", None, None, None), ("长" * 40000, None, None, None)]
    sheet = load_workbook(io.BytesIO(written(Small(rows), "xlsx")))["社会组织"]
    assert sheet["A2"].value == "控制字符"
    assert len(sheet["A3"].value) == exporters.CELL_LIMIT


@pytest.mark.parametrize(
    "text",
    [
        "A&B <社会组织> 协会",
        "  前后空格  ",
        "第一行\r\n第二行",
        "]]>",
        "&amp; 已转义的样子",
        "'单引号",
    ],
)
def test_text_with_xml_characters_and_spaces_reads_back_unchanged(text):
    sheet = load_workbook(io.BytesIO(written(Small([(text, None, None, None)]), "xlsx")))
    assert sheet["社会组织"]["A2"].value == text


def test_a_text_that_is_not_valid_unicode_leaves_the_workbook_readable():
    rows = [("坏\ud800字符", None, None, None), ("下一行", None, 1, None)]
    sheet = load_workbook(io.BytesIO(written(Small(rows), "xlsx")))["社会组织"]
    assert sheet["A2"].value == "坏?字符"
    assert sheet["A3"].value == "下一行" and sheet["C3"].value == 1


def test_characters_xml_cannot_hold_are_dropped_not_left_to_break_the_file():
    rows = [("甲\ufffe乙\uffff丙\x0b丁", None, None, None)]
    sheet = load_workbook(io.BytesIO(written(Small(rows), "xlsx")))["社会组织"]
    assert sheet["A2"].value == "甲乙丙丁"


@pytest.mark.parametrize(
    "value", [Decimal("NaN"), float("nan"), float("inf"), Decimal("-Infinity"), "NaN"]
)
def test_a_figure_that_is_not_a_number_is_an_empty_cell(value):
    rows = [("x", None, value, value), ("y", None, 1, None)]
    sheet = load_workbook(io.BytesIO(written(Small(rows), "xlsx")))["社会组织"]
    assert sheet["C2"].value is None and sheet["D2"].value is None
    assert sheet["C3"].value == 1


def test_a_workbook_that_fails_half_way_leaves_no_file_behind():
    from openpyxl.worksheet._writer import ALL_TEMP_FILES

    def rows():
        yield ROWS[0]
        raise RuntimeError("数据库断开")

    class Failing(Small):
        def sheets(self):
            yield Sheet("社会组织", COLUMNS, rows(), 2)

    before = list(ALL_TEMP_FILES)
    with pytest.raises(RuntimeError, match="数据库断开"):
        written(Failing(), "xlsx")
    assert ALL_TEMP_FILES == before


def test_numbers_of_every_kind_read_back_as_numbers():
    rows = [
        ("x", datetime.datetime(2026, 5, 1, 9, 30, tzinfo=datetime.UTC), True, Decimal("1E+3")),
        ("y", datetime.date(1950, 1, 1), -3, Decimal("-0.05")),
    ]
    sheet = load_workbook(io.BytesIO(written(Small(rows), "xlsx")))["社会组织"]
    assert sheet["B2"].value == datetime.datetime(2026, 5, 1, 9, 30)
    assert sheet["C2"].value == 1 and sheet["D2"].value == 1000
    assert sheet["B3"].value == datetime.datetime(1950, 1, 1)
    assert sheet["C3"].value == -3 and sheet["D3"].value == pytest.approx(-0.05)
    assert sheet["D3"].number_format == "#,##0.00" and sheet["B3"].number_format == "yyyy-mm-dd"


def test_a_date_column_keeps_an_age_or_a_masked_date_given_in_its_place():
    rows = [("x", 64, None, None), ("y", "****-**-**", None, None)]
    sheet = load_workbook(io.BytesIO(written(Small(rows), "xlsx")))["社会组织"]
    assert sheet["B2"].value == 64 and not sheet["B2"].is_date
    assert sheet["B3"].value == "****-**-**" and sheet["B3"].data_type == "s"


def test_xlsx_progress_reaches_the_total():
    calls = []
    written(Small(), "xlsx", lambda done, total: calls.append((done, total)))
    assert calls[-1] == (len(ROWS), len(ROWS))


# --- CSV ------------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_and_excel_reads_it():
    data = written(Small(), "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == [c.header for c in COLUMNS]
    assert rows[1] == ["南京市玄武区社会工作协会", "2020-03-01", "12", "3000.00"]
    assert b"\r\n" in data
    assert len(rows) == len(ROWS) + 1  # the first sheet only


@pytest.mark.parametrize("row", [2, 3, 4, 5])
def test_csv_prefixes_formula_looking_text_with_an_apostrophe(row):
    rows = list(csv.reader(io.StringIO(written(Small(), "csv").decode("utf-8-sig"))))
    assert rows[row][0].startswith("'")
    assert rows[row][0][1:] == ROWS[row - 1][0]


# --- JSON -----------------------------------------------------------------------------------


def test_json_writes_money_with_two_decimals_and_dates_iso():
    data = json.loads(written(Small(), "json"))
    assert data == {"year": 2026, "amount": "3000.00", "as_of": "2026-09-01"}


def test_a_format_the_exporter_does_not_offer_is_refused():
    exporter = Small()
    exporter.formats = ("pdf",)
    with pytest.raises(ValueError):
        written(exporter, "xlsx")


# --- PDF ------------------------------------------------------------------------------------


def fonts(reader):
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
    return names


def test_one_part_renders_with_page_numbers_and_a_cjk_font(table_template):
    reader = PdfReader(io.BytesIO(written(Small(parts=1, per_part=60), "pdf")))
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "测试报表" in text and "玄武区 · 两新工委" in text  # the header on every page
        assert "社会组织名称" in text  # the table's header repeated
        assert f"第 {number} 页 / 共 {pages} 页" in text
    assert any("CJK" in name for name in fonts(reader))


def test_parts_are_joined_in_order_and_numbered_across_the_whole_document(table_template):
    calls = []
    data = written(Small(parts=3, per_part=60), "pdf", lambda d, t: calls.append((d, t)))
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    texts = [page.extract_text() for page in reader.pages]
    for number, text in enumerate(texts, start=1):
        assert f"第 {number} 页 / 共 {pages} 页" in text
        assert text.count("页 / 共") == 1  # stamped once, and the parts had none
        assert "测试报表" in text
    whole = "".join(texts)
    positions = [whole.index(f"第{part}部分第0行") for part in range(3)]
    assert positions == sorted(positions)
    assert calls[-1][0] == calls[-1][1]  # progress completes
    assert any("CJK" in name for name in fonts(reader))


def _failing_part(index, how):
    real = exporters._write_pdf

    def write(html):
        if f"第{index}部分" in html:
            if how == "exit":
                import os

                os._exit(3)
            raise ValueError("坏的部分")
        return real(html)

    return write


@pytest.mark.parametrize(
    ("how", "message"), [("raise", "ValueError: 坏的部分"), ("exit", "exit code 3")]
)
def test_a_part_that_fails_fails_the_pdf_naming_the_part_and_leaves_no_process(
    table_template, monkeypatch, how, message
):
    import multiprocessing

    monkeypatch.setattr(exporters, "_write_pdf", _failing_part(1, how))
    with pytest.raises(RuntimeError, match="PDF part 2 of 4 failed") as failure:
        written(Small(parts=4, per_part=5), "pdf")
    assert message in str(failure.value)
    assert multiprocessing.active_children() == []


def test_a_part_that_hangs_is_killed_and_fails_the_pdf(table_template, monkeypatch):
    import multiprocessing
    import time

    real = exporters._write_pdf

    def write(html):
        if "第2部分" in html:
            time.sleep(60)
        return real(html)

    monkeypatch.setattr(exporters, "_write_pdf", write)
    monkeypatch.setattr(exporters, "PDF_PART_SECONDS", 2)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="PDF part 3 of 4 took over 2 s"):
        written(Small(parts=4, per_part=2), "pdf")
    assert time.monotonic() - started < 30
    assert multiprocessing.active_children() == []


def test_each_part_is_laid_out_by_a_process_of_its_own(table_template, monkeypatch):
    import os

    monkeypatch.setattr(exporters, "_write_pdf", lambda html: str(os.getpid()).encode())
    monkeypatch.setattr(exporters, "_join", lambda pdfs, landscape: b",".join(pdfs))
    pids = {int(pid) for pid in written(Small(parts=4, per_part=2), "pdf").split(b",")}
    assert len(pids) == 4 and os.getpid() not in pids


def test_the_filename_carries_title_and_scope_without_path_characters():
    exporter = Small()
    exporter.scope_label = "玄武区/教育局"
    assert exporter.filename("xlsx") == "测试报表（玄武区_教育局）.xlsx"
