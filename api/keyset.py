"""Cursor (keyset) pagination: a page starts after the last row of the previous one.

The cursor holds that row's values of the ordering columns, never an offset, so rows inserted
before it do not shift later pages: no repeats, no gaps. It also names the ordering it was
made for, so a cursor from one sort is refused by another.
"""

import base64
import datetime
import json
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import FloatField, Func, Q, QuerySet, Value

# The largest integer every database we run on stores (a signed 64-bit integer).
MAX_INT = 2**63 - 1


class BadCursor(ValueError):
    """A cursor that this ordering did not hand out."""


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def _ordering(queryset: QuerySet) -> list[str]:
    ordering = [o for o in queryset.query.order_by if isinstance(o, str)]
    if not ordering or len(ordering) != len(queryset.query.order_by):
        raise ValueError("keyset pagination needs an explicit ordering of field names")
    return ordering


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _field_of(queryset: QuerySet, name: str):
    if name in queryset.query.annotations:
        return queryset.query.annotations[name].output_field
    return queryset.model._meta.get_field(name)


def _python_value(field, raw: Any) -> Any:
    internal = field.get_internal_type()
    if internal == "DateField" and isinstance(raw, str):
        return datetime.date.fromisoformat(raw)
    if internal in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField") and (
        isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) <= MAX_INT
    ):
        return raw
    if (
        internal == "FloatField"
        and isinstance(raw, int | float)
        and not isinstance(raw, bool)
        and math.isfinite(raw)
        and abs(raw) <= MAX_INT
    ):
        return float(raw)
    if internal in ("CharField", "SlugField", "TextField") and isinstance(raw, str):
        return raw
    raise BadCursor(f"bad value for {field.name}")


def encode(ordering: list[str], values: list[Any]) -> str:
    raw = json.dumps([ordering, [_json_value(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(queryset: QuerySet, cursor: str) -> list[Any]:
    ordering = _ordering(queryset)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, values = json.loads(raw)
    except (ValueError, TypeError) as error:
        raise BadCursor("not a cursor") from error
    if made_for != ordering or not isinstance(values, list) or len(values) != len(ordering):
        raise BadCursor("this cursor belongs to another sort order")
    try:
        return [
            _python_value(_field_of(queryset, name.lstrip("-")), value)
            for name, value in zip(ordering, values, strict=True)
        ]
    except ValueError as error:
        raise BadCursor(str(error)) from error


def _comparable(value: Any) -> Any:
    # A float may come from a single-precision column (PostgreSQL's ts_rank is `real`); the
    # driver hands it over as its shortest decimal, which as a double is not the column's value.
    # Cast back to `real` in SQL, and the row compares equal to itself again (on SQLite, REAL is
    # a double: nothing changes).
    if isinstance(value, float):
        return Func(
            Value(value), template="CAST(%(expressions)s AS REAL)", output_field=FloatField()
        )
    return value


def after(queryset: QuerySet, values: list[Any]) -> QuerySet:
    """The rows of `queryset` that come after a row with these ordering `values`."""
    condition = Q()
    equal = Q()
    for name, raw in zip(_ordering(queryset), values, strict=True):
        value = _comparable(raw)
        field = name.lstrip("-")
        lookup = "lt" if name.startswith("-") else "gt"
        condition |= equal & Q(**{f"{field}__{lookup}": value})
        equal &= Q(**{field: value})
    return queryset.filter(condition)


def paginate(queryset: QuerySet, *, cursor: str | None, limit: int) -> Page:
    """One page of `queryset` (which must be ordered by unique-ending columns) after `cursor`.

    One query: it fetches limit + 1 rows to know whether another page follows.
    """
    ordering = _ordering(queryset)
    if cursor:
        queryset = after(queryset, decode(queryset, cursor))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    last = rows[-1]
    values = [
        last[name.lstrip("-")] if isinstance(last, dict) else getattr(last, name.lstrip("-"))
        for name in ordering
    ]
    return Page(rows, encode(ordering, values))
