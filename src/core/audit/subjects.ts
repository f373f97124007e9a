/**
 * Interns subject ids to dense integers and remembers when each was first seen in the share log.
 * The only per-subject state of a replay: one map entry and one float per distinct subject
 * (≈100 bytes each, so ~100 MB for a million subjects); per-bucket subject sets hold integers.
 */
export class SubjectIndex {
  private readonly ids = new Map<string, number>();
  private firstSeen = new Float64Array(1024);

  get size(): number {
    return this.ids.size;
  }

  /** Records a sighting at `at` and returns the subject's number. */
  see(subject: string, at: number): number {
    let n = this.ids.get(subject);
    if (n === undefined) {
      n = this.ids.size;
      this.ids.set(subject, n);
      if (n >= this.firstSeen.length) {
        const grown = new Float64Array(this.firstSeen.length * 2);
        grown.set(this.firstSeen);
        this.firstSeen = grown;
      }
      this.firstSeen[n] = at;
    } else if (at < this.firstSeen[n]!) this.firstSeen[n] = at;
    return n;
  }

  firstSeenAt(subject: string): number | undefined {
    const n = this.ids.get(subject);
    return n === undefined ? undefined : this.firstSeen[n];
  }
}
