"""Reading the coverage dashboard's page: its figure tables and every link with the
number it shows."""

from html.parser import HTMLParser


class DashboardParser(HTMLParser):
    """The dashboard's numbers: each figure table row as {label: [cell text]}, and every
    link of the figure tables, the worklist table, the SVG charts and the
    recommended-form line, with the number it shows."""

    def __init__(self):
        super().__init__()
        self.module = None
        self.tables = []  # stack of table classes
        self.in_svg = False
        self.in_forms = False
        self.rows = {}  # module id -> {row label: [cell texts]}
        self.links = []
        self._row_label = None
        self._cell = None  # text of the current td
        self._th_row = None  # text of the current th scope=row
        self._link = None
        self._svg_label = None
        self._in_title = False
        self._in_svg_text = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and "module" in (attrs.get("class") or "").split():
            self.module = attrs.get("id")
        elif tag == "table":
            self.tables.append(attrs.get("class") or "")
        elif tag == "svg":
            self.in_svg = True
        elif tag == "p" and attrs.get("class") == "forms":
            self.in_forms = True
        elif tag == "th" and attrs.get("scope") == "row":
            self._th_row = ""
        elif tag == "td":
            self._cell = ""
        elif tag == "text" and self.in_svg and attrs.get("text-anchor") == "end":
            self._in_svg_text = True
            self._svg_label = ""
        elif tag == "title" and self._link is not None:
            self._in_title = True
        elif tag == "a":
            where = None
            if self.in_svg:
                where = "svg"
            elif self.in_forms:
                where = "form"
            elif self.tables and "figures" in self.tables[-1]:
                where = "figures"
            elif self.tables and "worklists" in self.tables[-1]:
                where = "worklist"
            self._link = {
                "where": where,
                "module": self.module,
                "href": attrs.get("href"),
                "worklist": attrs.get("data-worklist"),
                "status": attrs.get("data-status"),
                "row": self._svg_label if self.in_svg else self._row_label,
                "text": "",
                "title": "",
            }

    def handle_endtag(self, tag):
        if tag == "table" and self.tables:
            self.tables.pop()
        elif tag == "svg":
            self.in_svg = False
        elif tag == "p":
            self.in_forms = False
        elif tag == "th" and self._th_row is not None:
            self._row_label = self._th_row.strip()
            self.rows.setdefault(self.module, {})[self._row_label] = []
            self._th_row = None
        elif tag == "td" and self._cell is not None:
            if self.tables and "figures" in self.tables[-1] and self._row_label is not None:
                self.rows[self.module][self._row_label].append(self._cell.strip())
            self._cell = None
        elif tag == "tr":
            self._row_label = None
        elif tag == "text":
            self._in_svg_text = False
        elif tag == "title":
            self._in_title = False
        elif tag == "a" and self._link is not None:
            if self._link["where"]:
                self.links.append(self._link)
            self._link = None

    def handle_data(self, data):
        if self._th_row is not None:
            self._th_row += data
        if self._cell is not None:
            self._cell += data
        if self._in_svg_text:
            self._svg_label += data
        if self._link is not None:
            if self._in_title:
                self._link["title"] += data
            else:
                self._link["text"] += data


def parse(response):
    parser = DashboardParser()
    parser.feed(response.content.decode())
    parser.close()
    return parser


def shown_count(link):
    """The number a link shows: its text; an SVG segment's in its title ("… ：N"); the
    recommended-form line's "label N 个"."""
    if link["where"] == "svg":
        text = link["title"].rsplit("：", 1)[1].strip()
        return int(text) if text.isdigit() else text
    text = link["text"].strip()
    if link["where"] == "form":
        text = text.split()[-2]
    # Anything but a number ("None") is returned as shown: it agrees with no count.
    return int(text) if text.isdigit() else text
