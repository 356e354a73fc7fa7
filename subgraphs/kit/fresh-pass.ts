/**
 * An async pass (a poll, a relay pass, a read) that callers share without ever getting one that began
 * before they asked. A caller who arrives while a pass runs may have committed something that pass
 * has already missed, so it gets the next pass, which starts when the running one ends; everyone who
 * arrives meanwhile shares that next pass. A thousand callers at once cost two passes, not a thousand.
 */
export class FreshPass<T> {
  private running: Promise<T> | undefined;
  private queued: Promise<T> | undefined;

  constructor(private readonly pass: () => Promise<T>) {}

  /** A pass that starts no earlier than this call. */
  run(): Promise<T> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.run();
      });
    return this.queued;
  }

  /**
   * Waits until no pass runs or waits to run (their failures are their callers' to handle). Both are
   * taken before waiting: the queued pass clears its own field as it starts, so reading it afterwards
   * would miss it.
   */
  async settled(): Promise<void> {
    while (this.running || this.queued) await Promise.allSettled([this.running, this.queued]);
  }
}
