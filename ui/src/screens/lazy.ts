// A component (a screen, a heavy field) fetched as its own script the first time it renders (preact/compat's lazy; the
// caller wraps it in a Suspense that shows "Cargando…").
import type { FunctionComponent } from "preact";
import { lazy } from "preact/compat";

export function lazyNamed<M extends Record<K, FunctionComponent<never>>, K extends keyof M & string>(load: () => Promise<M>, name: K): M[K] {
  return lazy(() => load().then((m) => ({ default: m[name] }))) as unknown as M[K];
}
