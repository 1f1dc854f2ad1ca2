// A minimal observable value and its Preact hook; the app's shared state is a few of these.
import { useSyncExternalStore } from "preact/compat";

export interface Observable<T> {
  get(): T;
  set(next: T): void;
  subscribe(listener: () => void): () => void;
}

export function observable<T>(initial: T): Observable<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(next) {
      if (Object.is(next, value)) return;
      value = next;
      listeners.forEach((l) => l());
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/** The current value, re-rendering at each change. Preact subscribes after the first paint; a value
 * set in between (the database's "online" event while the window starts) must not be lost until
 * the next change: `useSyncExternalStore` compares once subscribed (issue 29: the desk stayed on
 * "Iniciando la base de datos…" with its database online). */
export function useObserved<T>(store: Observable<T>): T {
  return useSyncExternalStore(store.subscribe, store.get);
}
