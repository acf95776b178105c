/** Calls `fn` once the calls have stopped for `ms` (typing in a search field), with the last arguments. */
export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  /** Calls now if a call is waiting (Enter in the field). */
  flush(): void;
  /** Drops a waiting call (the view went away). */
  cancel(): void;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  const fire = (): void => {
    timer = null;
    const args = pending;
    pending = null;
    if (args) fn(...args);
  };
  const debounced = ((...args: A): void => {
    pending = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(fire, ms);
  }) as Debounced<A>;
  debounced.flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    fire();
  };
  debounced.cancel = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pending = null;
  };
  return debounced;
}
