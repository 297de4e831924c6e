"""A paginator that is told its count, so pages backed by kept counts run no COUNT(*)."""

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """A paginator given its count instead of running COUNT(*); `capped` marks a lower bound."""

    def __init__(self, object_list, per_page, *, count: int, capped: bool = False, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count  # fills the cached_property
        self.capped = capped
