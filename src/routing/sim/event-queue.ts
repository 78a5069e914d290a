/**
 * The evaluation harness's virtual time: a priority queue of events (time in ms, then
 * insertion order), run to a horizon. No wall clock: a run replays exactly for a seed.
 */
export class EventQueue {
  private times: number[] = [];
  private seqs: number[] = [];
  private fns: Array<() => void> = [];
  private seq = 0;
  /** Current virtual time, ms. */
  now = 0;
  /** Events run so far. */
  processed = 0;

  get size(): number {
    return this.times.length;
  }

  /** Run `fn` at virtual time `at` (≥ now). */
  at(at: number, fn: () => void): void {
    const t = Math.max(at, this.now);
    const s = this.seq++;
    let i = this.times.length;
    this.times.push(t);
    this.seqs.push(s);
    this.fns.push(fn);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(p, t, s)) break;
      this.move(p, i);
      i = p;
    }
    this.times[i] = t;
    this.seqs[i] = s;
    this.fns[i] = fn;
  }

  /** Run events in order until the queue is empty or the next is after `horizon`. */
  run(horizon: number): void {
    while (this.times.length > 0 && this.times[0] <= horizon) {
      const fn = this.fns[0];
      this.now = this.times[0];
      this.pop();
      this.processed++;
      fn();
    }
    this.now = Math.max(this.now, horizon);
  }

  private less(i: number, t: number, s: number): boolean {
    return this.times[i] < t || (this.times[i] === t && this.seqs[i] < s);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from];
    this.seqs[to] = this.seqs[from];
    this.fns[to] = this.fns[from];
  }

  private pop(): void {
    const n = this.times.length - 1;
    const t = this.times[n];
    const s = this.seqs[n];
    const fn = this.fns[n];
    this.times.pop();
    this.seqs.pop();
    this.fns.pop();
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.less(c + 1, this.times[c], this.seqs[c])) c++;
      if (!this.less(c, t, s)) break;
      this.move(c, i);
      i = c;
    }
    this.times[i] = t;
    this.seqs[i] = s;
    this.fns[i] = fn;
  }
}
