"""Lists: ``await client.list_x()`` is one page (a list with ``has_more``, ``next_cursor``
and ``next_page()``); ``async for x in client.list_x()`` walks every item of every page,
following ``next_cursor``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Page(list[T], Generic[T]):
    """One page of a list: its items, and the way to the next page."""

    def __init__(
        self,
        items: list[T],
        *,
        has_more: bool,
        next_cursor: str | None,
        fetch_next: Callable[[str], Awaitable[Page[T]]] | None = None,
    ) -> None:
        super().__init__(items)
        self.has_more = has_more
        self.next_cursor = next_cursor
        self._fetch_next = fetch_next

    async def next_page(self) -> Page[T] | None:
        """The next page, or None after the last."""
        if not self.has_more or not self.next_cursor or self._fetch_next is None:
            return None
        return await self._fetch_next(self.next_cursor)


class PageRequest(Generic[T]):
    """A page on its way: await it for the first page, or ``async for`` over every item."""

    def __init__(self, load: Callable[[str | None], Awaitable[Page[T]]]) -> None:
        self._load = load

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._load(None).__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page: Page[T] | None = await self._load(None)
        while page is not None:
            for item in page:
                yield item
            page = await page.next_page()
