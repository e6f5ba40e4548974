"""The shared PDF renderer (WeasyPrint) and its start-up check.

Reports, dossiers and letters extend `templates/pdf/base.html` (A4, running header,
"第 N 页 / 共 M 页" footer, Noto CJK fonts) and go through `render_pdf`; views hand the
bytes to `pdf_response`.

A Chinese PDF needs three things from the machine besides WeasyPrint itself (Pango):
HarfBuzz's subsetter, without which WeasyPrint falls back to fontTools and a one-page
Chinese PDF takes seconds instead of about 0.1 s, and a CJK font, without which every
character comes out as a missing-glyph box. `pdf_problems` finds what is missing and the
system check `orgs.E101`–`orgs.E104` reports it at start-up (`runserver`, `migrate`,
`check`), naming the Debian package that `make system` installs.

WeasyPrint is imported only when a PDF is rendered: importing it costs about 0.4 s,
which every management command would otherwise pay through the check.
"""

import ctypes
import ctypes.util
import functools
import importlib.util
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

# write_pdf options, set explicitly rather than left to WeasyPrint's defaults:
# - full_fonts=False: embed only the glyphs used (subset with HarfBuzz when
#   libharfbuzz-subset is there); a whole Noto CJK face, 65,535 glyphs, is about 19 MB.
# - hinting=False: drop the fonts' hinting instructions from the subsets (smaller; PDF
#   viewers hint on their own).
# - optimize_images=True: lossless recompression of embedded images (charts, seals).
# - uncompressed_pdf=False: compressed streams (True only to debug a PDF by eye).
PDF_OPTIONS = {
    "full_fonts": False,
    "hinting": False,
    "optimize_images": True,
    "uncompressed_pdf": False,
}

# The libraries WeasyPrint loads from Pango (its import fails without them), with the
# Debian packages that ship them.
PANGO_LIBRARIES = (("pango-1.0", "libpango-1.0-0"), ("pangoft2-1.0", "libpangoft2-1.0-0"))

_local = threading.local()

# WeasyPrint logs every step and every page at INFO ("Step 5 - Creating layout - Page 3")
# to a logger of its own; quiet it unless the settings' LOGGING set a level for it.
_progress_logger = logging.getLogger("weasyprint.progress")
if _progress_logger.level == logging.NOTSET:
    _progress_logger.setLevel(logging.WARNING)


def _font_config():
    """One WeasyPrint FontConfiguration per thread, created on first use.

    Building it loads fontconfig's configuration and the font list; reusing it saves that
    on every render. Pango's font maps are not safe to share between threads, hence one
    per thread (gunicorn's sync workers have one). Our templates use system fonts only:
    `@font-face` rules would add their fonts to it for the life of the thread.
    """
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def _default_base_url() -> str:
    # Relative URLs in a template (an image, a stylesheet) resolve to the project's
    # static folder.
    return (settings.BASE_DIR / "static").as_uri() + "/"


def render_pdf(template_name: str, context: dict | None = None, *, base_url=None) -> bytes:
    """Render the Django template `template_name` with `context` to PDF bytes.

    `base_url` resolves relative URLs in the HTML (default: the project's static folder).
    Only `file:` and `data:` URLs are fetched: the servers run on an intranet, and a
    report never reaches out to the network.
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(template_name, context or {})
    document = HTML(
        string=html,
        base_url=base_url or _default_base_url(),
        url_fetcher=URLFetcher(allowed_protocols={"file", "data"}),
    )
    return document.write_pdf(font_config=_font_config(), **PDF_OPTIONS)


# Control characters and path separators never belong in a download's name.
_UNSAFE_FILENAME_CHARS = re.compile(r'[\x00-\x1f\x7f/\\"]')


def pdf_response(pdf_bytes: bytes, filename: str) -> HttpResponse:
    """An `application/pdf` download of `pdf_bytes` named `filename` (Chinese is fine).

    A non-ASCII name goes out as RFC 6266/5987 `filename*=utf-8''…`, which every current
    browser reads; `.pdf` is added when missing.
    """
    name = _UNSAFE_FILENAME_CHARS.sub("_", filename).strip() or "document"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    response = HttpResponse(pdf_bytes, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Content-Length"] = str(len(pdf_bytes))
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- What the machine lacks -------------------------------------------------------------


@dataclass(frozen=True)
class PdfProblem:
    """One missing piece: `message` says what and names the package, `hint` how to fix."""

    check_id: str
    message: str
    hint: str

    def __str__(self):
        return self.message


def _apt_hint(*packages: str) -> str:
    return _("以 root 运行 make system，或：apt-get install -y --no-install-recommends %s") % (
        " ".join(packages)
    )


class _FcFontSet(ctypes.Structure):
    _fields_ = [
        ("nfont", ctypes.c_int),
        ("sfont", ctypes.c_int),
        ("fonts", ctypes.POINTER(ctypes.c_void_p)),
    ]


def fontconfig_families(
    pattern: str = ":lang=zh-cn", find_library: Callable[[str], str | None] | None = None
) -> list[str]:
    """The font families fontconfig knows that match `pattern` (like `fc-list PATTERN
    family`, without needing the fc-list program), sorted; [] when fontconfig is missing."""
    path = (find_library or ctypes.util.find_library)("fontconfig")
    if not path:
        return []
    fc = ctypes.CDLL(path)
    fc.FcNameParse.restype = ctypes.c_void_p
    fc.FcNameParse.argtypes = [ctypes.c_char_p]
    fc.FcObjectSetBuild.restype = ctypes.c_void_p
    fc.FcFontList.restype = ctypes.POINTER(_FcFontSet)
    fc.FcFontList.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    fc.FcPatternGetString.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_char_p),
    ]
    fc.FcFontSetDestroy.argtypes = [ctypes.POINTER(_FcFontSet)]
    fc.FcObjectSetDestroy.argtypes = [ctypes.c_void_p]
    fc.FcPatternDestroy.argtypes = [ctypes.c_void_p]

    query = fc.FcNameParse(pattern.encode())
    wanted = fc.FcObjectSetBuild(b"family", None)
    font_set = fc.FcFontList(None, query, wanted)  # None: the default configuration
    families = set()
    try:
        for i in range(font_set.contents.nfont if font_set else 0):
            font = font_set.contents.fonts[i]
            value = ctypes.c_char_p()
            # A font may have several family names; FcResultMatch is 0.
            for n in range(16):
                if fc.FcPatternGetString(font, b"family", n, ctypes.byref(value)) != 0:
                    break
                families.add(value.value.decode("utf-8", "replace"))
    finally:
        if font_set:
            fc.FcFontSetDestroy(font_set)
        fc.FcObjectSetDestroy(wanted)
        fc.FcPatternDestroy(query)
    return sorted(families)


def _weasyprint_installed() -> bool:
    return importlib.util.find_spec("weasyprint") is not None


def pdf_problems(
    *,
    weasyprint_installed: Callable[[], bool] = _weasyprint_installed,
    find_library: Callable[[str], str | None] = ctypes.util.find_library,
    cjk_families: Callable[[], Iterable[str]] | None = None,
) -> list[PdfProblem]:
    """What this machine lacks to render Chinese PDFs; [] when nothing.

    The look-ups are parameters so that tests can make each of them fail. Called without
    arguments the answer is cached for the process (see `machine_pdf_problems`).
    """
    problems = []
    if not weasyprint_installed():
        problems.append(
            PdfProblem(
                "orgs.E101",
                _("无法生成 PDF：没有安装 WeasyPrint（Python 包 weasyprint）。"),
                _("运行 make venv，或：.venv/bin/pip install -r requirements.txt"),
            )
        )
    pango_missing = [package for library, package in PANGO_LIBRARIES if not find_library(library)]
    if pango_missing:
        problems.append(
            PdfProblem(
                "orgs.E102",
                _("无法生成 PDF：WeasyPrint 需要的 Pango 库缺失（Debian 软件包 %s）。")
                % "、".join(pango_missing),
                _apt_hint(*pango_missing),
            )
        )
    if not find_library("harfbuzz-subset"):
        problems.append(
            PdfProblem(
                "orgs.E103",
                _(
                    "找不到 HarfBuzz 字体子集库 libharfbuzz-subset（Debian 软件包 "
                    "libharfbuzz-subset0）：生成一份中文 PDF 要数秒而不是约 0.1 秒。"
                ),
                _apt_hint("libharfbuzz-subset0"),
            )
        )
    if cjk_families is None:

        def cjk_families():
            return fontconfig_families(":lang=zh-cn", find_library)

    if not list(cjk_families()):
        problems.append(
            PdfProblem(
                "orgs.E104",
                _(
                    "fontconfig 中没有中文字体（Debian 软件包 fonts-noto-cjk）："
                    "PDF 里的汉字会显示为方框。"
                ),
                _apt_hint("fonts-noto-cjk"),
            )
        )
    return problems


@functools.cache
def machine_pdf_problems() -> tuple[PdfProblem, ...]:
    """`pdf_problems()` of this machine, looked up once per process (a few ms)."""
    return tuple(pdf_problems())


def check_pdf_support(app_configs=None, **kwargs):
    """System check: the machine can render Chinese PDFs (registered in OrgsConfig.ready)."""
    return [
        checks.Error(problem.message, hint=problem.hint, id=problem.check_id)
        for problem in machine_pdf_problems()
    ]
