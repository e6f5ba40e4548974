"""The shared PDF renderer (orgs/pdf.py), its base template and its start-up check.

Neither pypdf nor poppler's pdftotext is a dependency, so the PDFs are read here with zlib:
WeasyPrint compresses every stream with FlateDecode and keeps the page and font
dictionaries in compressed object streams; the text is decoded through the fonts'
ToUnicode CMaps.
"""

import logging
import re
import zlib
from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command

from orgs import pdf
from orgs.pdf import PdfProblem, fontconfig_families, pdf_problems, pdf_response, render_pdf

TITLE = "南京市社会组织党建工作年度台账"
SCOPE = "玄武区 · 两新工委"

DOC_TEMPLATE = """{% extends "pdf/base.html" %}
{% block doc_title %}{{ title }}{% endblock %}
{% block scope %}{{ scope }}{% endblock %}
{% block content %}
<h1>{{ title }}</h1>
<p>本台账汇总玄武区社会组织党的组织覆盖和工作覆盖情况。</p>
<table>
  <thead>
    <tr><th>序号</th><th>社会组织名称</th><th>党组织</th><th class="num">党员数</th></tr>
  </thead>
  <tbody>
  {% for name, party_org, members in rows %}
    <tr><td>{{ forloop.counter }}</td><td>{{ name }}</td><td>{{ party_org }}</td>
    <td class="num">{{ members }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}
"""


@pytest.fixture
def doc_template(settings, tmp_path):
    """A report extending pdf/base.html, as test_pdf/doc.html."""
    folder = tmp_path / "templates"
    (folder / "test_pdf").mkdir(parents=True)
    (folder / "test_pdf" / "doc.html").write_text(DOC_TEMPLATE, encoding="utf-8")
    engine = dict(settings.TEMPLATES[0])
    engine["DIRS"] = [*engine["DIRS"], folder]
    settings.TEMPLATES = [engine]
    return "test_pdf/doc.html"


def context(rows, scope=SCOPE):
    return {
        "title": TITLE,
        "scope": scope,
        "rows": [
            (f"南京市玄武区第{i}社会工作服务中心", "中共南京市玄武区社会组织联合支部委员会", i % 13)
            for i in range(1, rows + 1)
        ],
    }


# --- Reading a WeasyPrint PDF ------------------------------------------------------------

STREAM = re.compile(rb"(\d+) 0 obj\s*<<(.*?)>>\s*stream\r?\n", re.S)


def read_pdf(data: bytes) -> tuple[dict[int, str], dict[int, bytes]]:
    """The PDF's objects: {number: dictionary text} (from the compressed object streams
    too) and {number: decompressed stream content}."""
    objects, contents = {}, {}
    for match in STREAM.finditer(data):
        number, dictionary = int(match.group(1)), match.group(2)
        start = match.end()
        content = data[start : data.index(b"endstream", start)]
        if b"/FlateDecode" in dictionary:
            content = zlib.decompress(content)
        objects[number] = dictionary.decode("latin-1")
        contents[number] = content
        if b"/ObjStm" in dictionary:
            first = int(re.search(rb"/First (\d+)", dictionary).group(1))
            header = [int(n) for n in content[:first].split()]
            numbers, offsets = header[0::2], [*header[1::2], len(content) - first]
            for i, inner in enumerate(numbers):
                text = content[first + offsets[i] : first + offsets[i + 1]]
                objects[inner] = text.decode("latin-1")
    return objects, contents


def font_names(data: bytes) -> set[str]:
    objects, _contents = read_pdf(data)
    return {m for text in objects.values() for m in re.findall(r"/BaseFont\s*/(\S+?)[/>]", text)}


def page_texts(data: bytes) -> list[str]:
    """The text shown on each page, in page order, without white space.

    Decodes the glyph ids of the content streams with the fonts' ToUnicode CMaps (the
    Regular and Bold faces of Noto Sans CJK SC number their glyphs alike)."""
    objects, contents = read_pdf(data)
    to_unicode = {}
    for content in contents.values():
        if b"begincmap" in content:
            for glyph, text in re.findall(rb"<([0-9a-f]{4})>\s*<([0-9a-f]+)>", content, re.I):
                to_unicode[glyph.lower()] = bytes.fromhex(text.decode()).decode("utf-16-be")
    pages_tree = next(t for t in objects.values() if re.search(r"/Type\s*/Pages\b", t))
    kids = re.search(r"/Kids\s*\[([^\]]*)\]", pages_tree).group(1)
    texts = []
    for kid in re.findall(r"(\d+) 0 R", kids):
        page = objects[int(kid)]
        assert re.search(r"/Type\s*/Page\b", page)
        content = contents[int(re.search(r"/Contents (\d+) 0 R", page).group(1))]
        shown = b"".join(re.findall(rb"<([0-9a-f]+)>", content, re.I)).lower()
        text = "".join(to_unicode.get(shown[i : i + 4], "\ufffd") for i in range(0, len(shown), 4))
        texts.append(re.sub(r"\s+", "", text))
    return texts


# --- Rendering ---------------------------------------------------------------------------


def test_a_chinese_page_renders_with_its_cjk_font_embedded_and_subsetted(doc_template, caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        data = render_pdf(doc_template, context(rows=5))

    assert data.startswith(b"%PDF-")
    assert len(page_texts(data)) == 1
    # No fallback to fontTools (seconds instead of ~0.1 s) and no missing glyphs.
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")]

    # Subset fonts carry a six-letter tag: ABCDEF+Noto-Sans-CJK-SC(-Bold).
    fonts = font_names(data)
    assert all(re.fullmatch(r"[A-Z]{6}\+Noto-Sans-CJK-SC(-Bold)?", name) for name in fonts)
    assert any(name.endswith("+Noto-Sans-CJK-SC") for name in fonts)
    objects, contents = read_pdf(data)
    embedded = [contents[n] for n, d in objects.items() if "/OpenType" in d and n in contents]
    assert len(embedded) == len(fonts)
    # A whole Noto Sans CJK face is about 19 MB; the subsets keep a few dozen glyphs (plus
    # an empty slot for every glyph id below the highest used, which WeasyPrint keeps).
    assert all(len(font) < 1_000_000 for font in embedded)
    # Each face costs 75-90 KB compressed, whatever the page count (see the README).
    assert len(data) < 250_000

    text = page_texts(data)[0]
    assert TITLE in text
    assert "南京市玄武区第5社会工作服务中心" in text
    assert "第1页/共1页" in text


def test_a_long_table_spans_pages_with_its_header_and_page_numbers_on_each(doc_template):
    data = render_pdf(doc_template, context(rows=150))

    texts = page_texts(data)
    pages = len(texts)
    assert pages >= 3
    assert f"/Count {pages}" in "".join(read_pdf(data)[0].values())
    for number, text in enumerate(texts, start=1):
        assert f"第{number}页/共{pages}页" in text
        assert TITLE in text  # the running header
        assert SCOPE.replace(" ", "") in text
        assert "社会组织名称" in text  # the table's header row repeats
    # Every row is there once.
    everything = "".join(texts)
    assert all(f"第{i}社会工作服务中心" in everything for i in (1, 75, 150))


def test_the_scope_line_is_optional(doc_template):
    text = page_texts(render_pdf(doc_template, context(rows=1, scope="")))[0]
    assert TITLE in text
    assert "两新工委" not in text


def test_pdf_response_is_a_download_with_a_chinese_filename():
    response = pdf_response(b"%PDF-1.7 test", "玄武区 2025 年度台账")

    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(b"%PDF-1.7 test"))
    assert response.content == b"%PDF-1.7 test"
    # RFC 6266 / RFC 5987: the UTF-8 name, percent-encoded; .pdf added.
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''"
        "%E7%8E%84%E6%AD%A6%E5%8C%BA%202025%20%E5%B9%B4%E5%BA%A6%E5%8F%B0%E8%B4%A6.pdf"
    )


def test_pdf_response_keeps_path_and_control_characters_out_of_the_name():
    response = pdf_response(b"%PDF-", '../组织关系\r\n介绍信"x.PDF')
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "/" not in disposition.removeprefix("attachment; filename*=utf-8''")
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.endswith("x.PDF")

    ascii_name = pdf_response(b"%PDF-", "ledger")["Content-Disposition"]
    assert ascii_name == 'attachment; filename="ledger.pdf"'


# --- What the machine lacks --------------------------------------------------------------


def no_library(name):
    return None


def every_library(name):
    return f"lib{name}.so.0"


def test_this_machine_has_everything():
    assert pdf_problems() == []
    assert "Noto Sans CJK SC" in fontconfig_families(":lang=zh-cn")


def test_every_missing_piece_is_reported_with_its_package():
    problems = pdf_problems(
        weasyprint_installed=lambda: False, find_library=no_library, cjk_families=lambda: []
    )

    assert [p.check_id for p in problems] == ["orgs.E101", "orgs.E102", "orgs.E103", "orgs.E104"]
    weasyprint, pango, harfbuzz, font = problems
    assert "weasyprint" in str(weasyprint) and "requirements.txt" in weasyprint.hint
    assert "libpango-1.0-0" in str(pango) and "libpangoft2-1.0-0" in str(pango)
    assert "libharfbuzz-subset0" in str(harfbuzz)
    assert "fonts-noto-cjk" in str(font)
    for problem, package in [
        (pango, "libpango-1.0-0 libpangoft2-1.0-0"),
        (harfbuzz, "libharfbuzz-subset0"),
        (font, "fonts-noto-cjk"),
    ]:
        assert "make system" in problem.hint
        assert f"apt-get install -y --no-install-recommends {package}" in problem.hint


@pytest.mark.parametrize(
    "missing, check_id, package",
    [
        ("harfbuzz-subset", "orgs.E103", "libharfbuzz-subset0"),
        ("pangoft2-1.0", "orgs.E102", "libpangoft2-1.0-0"),
        ("fontconfig", "orgs.E104", "fonts-noto-cjk"),  # no fontconfig: no font known
    ],
)
def test_one_missing_library_is_one_problem(missing, check_id, package):
    def find_library(name):
        return None if name == missing else every_library(name)

    if missing == "fontconfig":
        # The real fontconfig look-up, given a find_library that does not find it.
        problems = pdf_problems(find_library=find_library)
    else:
        problems = pdf_problems(
            find_library=find_library, cjk_families=lambda: ["Noto Sans CJK SC"]
        )

    assert [p.check_id for p in problems] == [check_id]
    assert package in str(problems[0])


def test_no_cjk_font_is_a_problem():
    problems = pdf_problems(find_library=every_library, cjk_families=lambda: [])
    assert [str(p) for p in problems] == [
        "fontconfig 中没有中文字体（Debian 软件包 fonts-noto-cjk）：PDF 里的汉字会显示为方框。"
    ]


def test_the_system_check_turns_problems_into_errors(monkeypatch):
    problem = PdfProblem("orgs.E103", "缺少 libharfbuzz-subset0", "以 root 运行 make system")
    monkeypatch.setattr(pdf, "machine_pdf_problems", lambda: (problem,))

    errors = checks.run_checks(tags=["pdf"])

    assert errors == [
        checks.Error("缺少 libharfbuzz-subset0", hint="以 root 运行 make system", id="orgs.E103")
    ]


def test_manage_py_check_is_quiet_when_everything_is_installed():
    assert checks.run_checks(tags=["pdf"]) == []
    out = StringIO()
    call_command("check", stdout=out, stderr=StringIO())
    assert "System check identified no issues" in out.getvalue()
