/** A bounded ring of recent events for /api/status: the oldest is overwritten when full. */
export class EventsRing<T> {
  readonly capacity: number;
  private readonly items: T[] = [];
  private next = 0;
  private total = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** Oldest first. */
  toArray(): T[] {
    if (this.items.length < this.capacity) return [...this.items];
    return [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }

  /** Events pushed since creation (including overwritten ones). */
  get pushed(): number {
    return this.total;
  }
}
