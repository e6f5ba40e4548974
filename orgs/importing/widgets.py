"""Cell widgets for the published templates: spreadsheet cell → Python value.

They are django-import-export widgets, so the same resources work through its own
import path; each raises ValueError with a Chinese reason that the import service puts
after `第N行 列名:`. Look-ups by name load their table once per import, never per row.
"""

import datetime
import difflib
import re
import unicodedata

from django.utils.translation import gettext as _
from import_export.widgets import Widget

from orgs.validators import normalize_code

YES, NO = "是", "否"


def _fold(text):
    """Full-width letters, digits and brackets to their ASCII forms, for matching."""
    return unicodedata.normalize("NFKC", text)


def clean_text(value):
    """A cell as trimmed text ('' for empty); trims full-width and non-breaking spaces too."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class TextWidget(Widget):
    def __init__(self, max_length=None, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs):
        text = clean_text(value)
        if self.max_length and len(text) > self.max_length:
            raise ValueError(_("长度超过{n}个字符").format(n=self.max_length))
        return text


class CodeWidget(Widget):
    """A code such as the USCC: full-width characters and spaces normalized, upper case."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # Excel keeps 15 significant digits: an 18-digit code typed as a number is
            # already damaged in the file, so say how to fix it rather than guess.
            raise ValueError(
                _("该单元格是数字格式，18位代码会被Excel截断；请把该列设为文本后重新填写")
            )
        return normalize_code(clean_text(value)) or None


class ChoiceWidget(Widget):
    """A choice column: the Chinese label exactly as published, stored as the enum value."""

    def __init__(self, choices, aliases=None, **kwargs):
        super().__init__(**kwargs)
        self.labels = [str(label) for _value, label in choices.choices]
        # Matched after NFKC, so 社区社会组织（备案） typed with full-width brackets counts.
        self.by_label = {_fold(str(label)): value for value, label in choices.choices}
        self.by_label.update({_fold(alias): value for alias, value in (aliases or {}).items()})
        self.to_label = {value: str(label) for value, label in choices.choices}

    def clean(self, value, row=None, **kwargs):
        text = clean_text(value)
        if not text:
            return ""
        try:
            return self.by_label[_fold(text)]
        except KeyError:
            raise ValueError(
                _("“{value}”不是可选值，可选：{options}").format(
                    value=text, options="、".join(self.labels)
                )
            ) from None

    def render(self, value, obj=None, **kwargs):
        return self.to_label.get(value, value or "")

    def template_choices(self):
        return self.labels


class YesNoWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        text = clean_text(value)
        if text == YES:
            return True
        if text == NO:
            return False
        if not text:
            return None  # not given: the default for a new record, unchanged for a stored one
        raise ValueError(_("应填“是”或“否”，不是“{value}”").format(value=text))

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return YES if value else NO

    def template_choices(self):
        return [YES, NO]


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
# A date cell that pandas or Excel wrote as text sometimes carries a midnight time.
_MIDNIGHT = re.compile(r"\s+0{1,2}:00(:00)?$")


class DateWidget(Widget):
    """YYYY-MM-DD, YYYY/MM/DD, YYYY年M月D日 or a real Excel date cell."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = _MIDNIGHT.sub("", unicodedata.normalize("NFKC", clean_text(value)))
        if not text:
            return None
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    return datetime.date(*(int(part) for part in match.groups()))
                except ValueError:
                    raise ValueError(_("“{value}”不是有效日期").format(value=text)) from None
        raise ValueError(
            _("日期“{value}”格式不对，应为YYYY-MM-DD、YYYY/MM/DD或YYYY年M月D日").format(value=text)
        )

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class CountWidget(Widget):
    """A whole number ≥ 0 (an Excel number cell or text, full-width digits accepted)."""

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ValueError(_("应为不小于0的整数"))
        if isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        else:
            text = unicodedata.normalize("NFKC", clean_text(value))
            if not text:
                return None
            if not re.fullmatch(r"[+-]?\d+", text):
                raise ValueError(_("“{value}”不是整数").format(value=text))
            number = int(text)
        if number < 0:
            raise ValueError(_("应为不小于0的整数"))
        if number > 10_000_000:
            raise ValueError(_("数值过大"))
        return number


class LookupWidget(Widget):
    """A name (or code) of an existing row. The table is read once, on first use."""

    not_found = _("未找到“{value}”")

    def __init__(self, queryset_factory, key="name", codes=False, **kwargs):
        super().__init__(**kwargs)
        self.queryset_factory = queryset_factory
        self.key = key
        self.codes = codes
        self._index = None

    def index(self):
        if self._index is None:
            self._index = {}
            for obj in self.queryset_factory():
                self._index[getattr(obj, self.key)] = obj
                if self.codes and getattr(obj, "code", ""):
                    self._index[obj.code] = obj
        return self._index

    def lookup(self, text, row):
        return self.index().get(text)

    def candidates(self, row):
        return [name for name in self.index() if not (self.codes and name.isdigit())]

    def clean(self, value, row=None, **kwargs):
        text = clean_text(value)
        if not text:
            return None
        if self.codes:
            text = unicodedata.normalize("NFKC", text)
        obj = self.lookup(text, row)
        if obj is None:
            message = str(self.not_found).format(value=text)
            close = difflib.get_close_matches(text, self.candidates(row), n=3, cutoff=0.4)
            if close:
                message += _("，最接近的有：{names}").format(names="、".join(close))
            raise ValueError(message)
        return obj

    def render(self, value, obj=None, **kwargs):
        return getattr(value, self.key, "") if value else ""

    def template_choices(self):
        return sorted(self.candidates(None))


class StreetWidget(LookupWidget):
    """A street's name, looked up inside the district given in the same row."""

    def __init__(self, queryset_factory, district_widget, district_column, **kwargs):
        super().__init__(queryset_factory, **kwargs)
        self.district_widget = district_widget
        self.district_column = district_column

    def index(self):
        if self._index is None:
            self._index = {(s.parent_id, s.name): s for s in self.queryset_factory()}
        return self._index

    def _district(self, row):
        if not row:
            return None
        try:
            return self.district_widget.clean(row.get(self.district_column), row=row)
        except ValueError:
            return None

    def lookup(self, text, row):
        district = self._district(row)
        if district is None:
            raise ValueError(_("须先填写正确的所属区县"))
        return self.index().get((district.pk, text))

    def candidates(self, row):
        district = self._district(row)
        return [name for (parent, name) in self.index() if district and parent == district.pk]

    def template_choices(self):
        return None
