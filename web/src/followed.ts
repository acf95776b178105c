/**
 * What the runners of an asynchronous job (a report, a lake query) share: one run at a time, the
 * newest wins — a state set or a poll scheduled by an older run is dropped — and its progress is
 * shown through `onChange`.
 */
export abstract class Followed<P> {
  protected run = 0;
  protected timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    public progress: P,
    protected readonly onChange: () => void,
  ) {}

  /** Stops following: nothing of the current run is shown any more. */
  dispose(): void {
    this.begin();
  }

  /** Starts a new run (the previous one's poll is cancelled): its number. */
  protected begin(): number {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.run += 1;
    return this.run;
  }

  /** Shows `progress` if `run` is still the current run. */
  protected set(run: number, progress: P): void {
    if (run !== this.run) return;
    this.progress = progress;
    this.onChange();
  }
}
