"""Audit history for bulk writes, copied inside the database.

django-simple-history's bulk helpers build one historical model instance per row in
Python (2.7 s of a 20,000-row import). Here the rows just written are copied into the
history table with one INSERT … SELECT per chunk: one history row per record with the
tracked fields as the database stored them, who, when, why and the change type, read by
the same admin history pages.

Like the library's bulk helpers (checked against django-simple-history 3.13), this sends
no pre/post_create_historical_record signals and records no many-to-many history
(m2m_fields): a bulk path of such a model records those changes itself.
"""

from django.db import connection

CHUNK = 5000
CREATED, CHANGED = "+", "~"


def record_history(model, ids, *, history_type, user, reason, date):
    """Add one history row per id of `model`, as the rows are now in the database."""
    ids = list(ids)
    if not ids:
        return
    history = model._meta.simple_history_manager_attribute
    history_model = getattr(model, history).model
    quote = connection.ops.quote_name
    tracked = [f for f in history_model.tracked_fields]
    source = ", ".join(quote(f.column) for f in tracked)
    target = ", ".join(quote(history_model._meta.get_field(f.name).column) for f in tracked)
    extra = ", ".join(
        quote(history_model._meta.get_field(name).column)
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    )
    stamp = connection.ops.adapt_datetimefield_value(date)
    user_id = getattr(user, "pk", None)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {quote(history_model._meta.db_table)} ({target}, {extra}) "
                f"SELECT {source}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({placeholders})",
                [stamp, str(reason), history_type, user_id, *chunk],
            )


def record_m2m_history(model, field_name, ids, date):
    """The related rows of a many-to-many field (tracked by simple-history's m2m_fields)
    of each history row of `model` written at `date`: one INSERT … SELECT per chunk, as
    record_history() copies the rows themselves."""
    field = model._meta.get_field(field_name)
    through = field.remote_field.through
    history_model = getattr(model, model._meta.simple_history_manager_attribute).model
    m2m_model = next(
        related
        for related in history_model._meta.related_objects
        if related.related_model.__name__ == f"{history_model.__name__}_{field_name}"
    ).related_model
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    quote = connection.ops.quote_name

    def column(owner, name):
        return quote(owner._meta.get_field(name).column)

    stamp = connection.ops.adapt_datetimefield_value(date)
    ids = list(ids)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {quote(m2m_model._meta.db_table)} "
                f"({column(m2m_model, 'id')}, {column(m2m_model, 'history')}, "
                f"{column(m2m_model, source)}, {column(m2m_model, target)}) "
                f"SELECT t.{column(through, 'id')}, h.{column(history_model, 'history_id')}, "
                f"t.{column(through, source)}, t.{column(through, target)} "
                f"FROM {quote(through._meta.db_table)} t "
                f"INNER JOIN {quote(history_model._meta.db_table)} h "
                f"ON h.{column(history_model, 'id')} = t.{column(through, source)} "
                f"WHERE h.{column(history_model, 'history_date')} = %s "
                f"AND h.{column(history_model, 'id')} IN ({placeholders})",
                [stamp, *chunk],
            )
