"""Import templates by name. Each app registers its own from its AppConfig.ready()."""

from django.utils.translation import gettext as _

_TEMPLATES = {}
CHUNK = 5000  # ids per IN (...): SQLite allows 32,766 parameters


def chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ids_in_scope(manager, scope, ids):
    """The subset of `ids` whose rows `manager.for_scope(scope)` holds, in chunks."""
    inside = set()
    for chunk in chunks(ids):
        inside.update(manager.for_scope(scope).filter(pk__in=chunk).values_list("pk", flat=True))
    return inside


class ImportTemplate:
    """What the service needs to know about one published template.

    Subclasses name the resource (columns and widgets), the model, how rows are matched
    to existing records, and the checks that span rows or tables.
    """

    name = ""  # "orgs": the name used by import_data and the URLs
    title = ""  # "社会组织名册": the name users know
    resource_class = None
    permission = ""
    required_columns = ()
    key_attribute = ""  # the attribute a row is matched on; its column names duplicates
    scope_column = ""  # the column to blame when a row would leave the user's scope
    validation_exclude = ()  # model fields the template does not set
    touched_fields = ()  # fields set on every written row (e.g. a "last updated" stamp)
    extra_error_columns = {}  # model field -> column, for fields set in prepare()
    example_row = {}

    @property
    def model(self):
        return self.resource_class._meta.model

    def key(self, values):
        return values.get(self.key_attribute)

    def key_column(self, key):
        """The column to name when the row's key is duplicated or out of scope."""
        return self.resource_class.fields[self.key_attribute].column_name

    def outside_scope(self, key, instance):
        """(column, message) for a row whose key names a stored record outside the
        importer's scope. Unique codes make some disclosure unavoidable; say only that
        the value is taken, not whose it is or that a hidden record exists."""
        return self.key_column(key), _("已被占用，不能由您导入；如需更正请联系系统管理员")

    def load_existing(self, keys):
        """{key: instance} for the keys in the file, from the whole table (not the scope)."""
        raise NotImplementedError

    def in_scope_ids(self, scope, ids):
        """The subset of `ids` that `scope` may change: by default, those the model's
        for_scope() holds."""
        return ids_in_scope(self.model.objects, scope, ids)

    def check_values(self, values):
        """Problems of one row's cleaned values: [(attribute, message)]."""
        return []

    def rows_outside_scope(self, scope, rows):
        """{index in `rows`: [(attribute, message)]} for rows naming a record the user's
        scope does not hold (a Party organization, say), checked before any row is built
        so that no model rule speaks of it. `rows` are the cleaned values of every row;
        the attributes named are dropped from their row."""
        return {}

    def begin(self, rows):
        """Facts for every row at once, before they are built: `rows` are the cleaned
        values of the readable rows. What it returns is each built instance's
        `import_context` (in prepare() and the model's clean())."""
        return None

    def prepare(self, instance, values):
        """Derive fields the template does not name directly."""

    def check_rows(self, written, existing_ids):
        """Problems across rows or against the database: [(row, column, message)]."""
        return []

    def check_scope(self, scope, written):
        """Problems of rows that name records outside `scope` (a covered org, a Party
        organization): [(row, column, message)]. The written records themselves are
        checked against in_scope_ids() by the service."""
        return []

    def before_write(self, instances, now):
        """Last touches before the bulk writes (timestamps)."""

    def release_unique_values(self, updated, changed_fields):
        """Before the bulk update: free unique values that rows of the file exchange."""

    def related_changed(self, instance, values):
        """Whether the row changes related data (many-to-many, posts) of a stored record.

        Look-ups must come from data loaded once in load_existing(), never per row.
        """
        return False

    def after_write(self, written, history):
        """Write related data for [(row, instance)]; `instance.import_values` holds the
        row's cleaned values. Runs in the import's transaction, after the bulk writes.
        `history` ({"user", "reason", "date"}) is what the service stamped on the history
        rows it wrote, for the related rows' own history."""

    def label(self, instance):
        return str(instance)


def register(template):
    _TEMPLATES[template.name] = template
    return template


def get_template(name):
    try:
        return _TEMPLATES[name]
    except KeyError:
        raise KeyError(
            _("未知的导入模板“{name}”，可用：{names}").format(
                name=name, names="、".join(_TEMPLATES)
            )
        ) from None


def template_names():
    return list(_TEMPLATES)
