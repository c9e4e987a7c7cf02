/**
 * Lists: `await client.listX()` is one page (an array with `hasMore`, `nextCursor` and
 * `nextPage()`); `for await (const x of client.listX())` walks every item of every page,
 * following `next_cursor`.
 */

/** The API's list envelope. */
export interface WirePage<T> {
  data: T[];
  has_more: boolean;
  next_cursor?: string | null;
}

/** One page of a list: its items as an array, and the way to the next page. */
export class Page<T> extends Array<T> {
  hasMore = false;
  nextCursor: string | null = null;
  private fetchNext: ((cursor: string) => Promise<Page<T>>) | undefined;

  // Array methods (map, filter, …) return plain arrays, not pages.
  static override get [Symbol.species]() {
    return Array;
  }

  static from_wire<T>(wire: WirePage<T>, fetchNext: (cursor: string) => Promise<Page<T>>): Page<T> {
    const page = new Page<T>();
    page.push(...wire.data);
    page.hasMore = wire.has_more;
    page.nextCursor = wire.next_cursor ?? null;
    page.fetchNext = fetchNext;
    return page;
  }

  /** The next page, or `null` after the last. */
  async nextPage(): Promise<Page<T> | null> {
    if (!this.hasMore || !this.nextCursor || !this.fetchNext) return null;
    return this.fetchNext(this.nextCursor);
  }
}

/** A page on its way: await it for the first page, or iterate it for every item. */
export class PagePromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  private first: Promise<Page<T>> | undefined;

  constructor(private readonly load: () => Promise<Page<T>>) {}

  private page(): Promise<Page<T>> {
    this.first ??= this.load();
    return this.first;
  }

  then<A = Page<T>, B = never>(
    onfulfilled?: ((value: Page<T>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.page().then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<Page<T> | B> {
    return this.page().catch(onrejected);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let page: Page<T> | null = await this.page();
    while (page) {
      yield* page;
      page = await page.nextPage();
    }
  }
}
