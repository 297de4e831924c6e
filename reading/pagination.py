"""Paginators that never count the archive: one told its count, one paging by blocks of ids."""

import math

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CountedPaginator(Paginator):
    """A paginator given its count instead of running COUNT(*); `capped` marks a lower bound."""

    def __init__(
        self,
        object_list,
        per_page,
        orphans=0,
        allow_empty_first_page=True,
        *,
        count: int,
        capped: bool = False,
    ):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.__dict__["count"] = count  # fills the cached_property
        self.capped = capped


class IdBlockPaginator(Paginator):
    """Pages of a queryset by blocks of primary keys: page p holds its rows with a pk in
    ((p - 1) · per_page, p · per_page].

    Every page is one range scan of the primary key index, the last as cheap as the first (no
    OFFSET), and a row keeps its page for life whatever is added or deleted around it. Pages run
    up to `highest_pk` (the table's, drafts included: an index-only MAX), so a page may hold
    fewer rows than `per_page`, even none. How many rows there are is never known.
    """

    def __init__(self, object_list: QuerySet, per_page: int, *, highest_pk: int):
        super().__init__(object_list, per_page)
        self.queryset = object_list
        self.highest_pk = highest_pk

    @cached_property
    def count(self) -> int:
        # Paginator's COUNT(*) over the archive is what this class exists to avoid.
        raise NotImplementedError("IdBlockPaginator pages by pk and never counts its rows")

    @cached_property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.highest_pk / self.per_page))

    def page(self, number) -> Page:
        number = self.validate_number(number)
        low = (number - 1) * self.per_page
        rows = self.queryset.filter(pk__gt=low, pk__lte=low + self.per_page)
        return Page(rows, number, self)
