/** A cache read and written at one generation and time (SearchCache.at). */
export interface CacheView<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
}

/**
 * Recent answers, per process. Searches are long-tailed (a few queries make most of the traffic,
 * and search-as-you-type repeats prefixes), so most are answered without touching the index.
 * An entry is valid only for the index generation it was computed at (the knowledge base's change
 * counter, read per query: one indexed row), so an edit, publish or archive in any process is
 * seen at once; helpfulness votes, which do not move the counter, show within `ttlMs`.
 */
export class SearchCache<V> {
  private readonly entries = new Map<string, { generation: number; at: number; value: V }>();

  constructor(
    private readonly maxEntries = 5000,
    private readonly ttlMs = 60_000,
  ) {}

  get(key: string, generation: number, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.generation !== generation || now - entry.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, generation: number, now: number, value: V): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { generation, at: now, value });
  }

  /** This cache as one search sees it: at the generation it read, at its time. */
  at(generation: number, now: number): CacheView<V> {
    return { get: (key) => this.get(key, generation, now), set: (key, value) => this.set(key, generation, now, value) };
  }
}
