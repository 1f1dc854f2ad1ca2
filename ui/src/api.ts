// The only way to Rust: the generated bindings, unwrapped into values or a typed CommandError.
import { commands, events, type AppError, type StoreStatus, type DataChanged, type DbStatus, type SessionInfo } from "./bindings";
import { observable } from "./observable";
import { formatTime, t } from "./i18n";
import { parseMoney } from "./money";

export { commands };

export class CommandError extends Error {
  constructor(readonly error: AppError) {
    super(error.kind);
  }
}

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

/** The database status, kept current by the `db-status-changed` event. */
export const dbStatus = observable<DbStatus>({ state: "starting" });

/** The desk store's state for the banner: the outbox's counts and when the store was last refreshed. */
export const storeStatus = observable<StoreStatus>({ outbox: { pending: 0, conflicts: 0 }, syncedAt: null });

/** `undefined` while unknown, `null` when signed out. */
export const session = observable<SessionInfo | null | undefined>(undefined);

/** Every command answers a failure as an `AppError` (an argument it cannot decode too: `Arg<T>` in
 * src-tauri); anything else that comes back is a fault of the UI's own, shown with a log id. */
export function asAppError(error: unknown): AppError {
  if (typeof error === "object" && error !== null && "kind" in error) return error as AppError;
  console.error(error);
  return { kind: "internal", logId: "ui" };
}

export async function call<T>(pending: Promise<Result<T>>): Promise<T> {
  const result = await pending;
  if (result.status === "ok") return result.data;
  const error = asAppError(result.error);
  const current = session.get();
  if (error.kind === "sessionLocked" && current) session.set({ ...current, locked: true });
  if (error.kind === "unauthorized") session.set(null);
  // Signed in without the server, which is back: the prompt asks for the password (main.tsx).
  if (error.kind === "confirmPassword" && current && !current.withoutServer) session.set({ ...current, withoutServer: true });
  if (error.kind === "offline" && dbStatus.get().state === "online") {
    dbStatus.set({ state: "offline", since: new Date().toISOString() });
  }
  throw new CommandError(error);
}

/** A sentence for the user, naming the field for validation errors. */
export function errorText(err: unknown): string {
  if (!(err instanceof CommandError)) {
    console.error(err);
    return t("errors.internal", { logId: "ui" });
  }
  const e = err.error;
  switch (e.kind) {
    case "validation":
      return t("errors.validation", { field: t(`fields.${e.field}`), message: t(`errors.${e.key}`) });
    case "conflict":
      return t(`errors.${e.key}`);
    case "forbidden":
      return t("errors.forbidden", { permission: t(`permissions.${e.permission}`) });
    case "lockedOut":
      return t("errors.lockedOut", { time: formatTime(e.until) });
    case "internal":
      return t("errors.internal", { logId: e.logId });
    case "stockShort":
      return t("errors.stockShort", { product: e.productName, needed: e.needed, available: e.available });
    case "consentRequired":
      return t("errors.consentRequired", { treatment: e.treatmentName, consent: t(`consents.kinds.${e.consent}`) });
    case "templateIncomplete":
      return t("errors.templateIncomplete", { placeholder: e.placeholder });
    case "slotTaken":
      return t("errors.slotTaken", { patient: e.patientName, time: `${formatTime(e.startsAt)}–${formatTime(e.endsAt)}` });
    default:
      return t(`errors.${e.kind}`);
  }
}

/** Cents of a typed amount, or, when it is not one, the validation error the server would give,
 * naming the field: forms throw it from their submit handler before calling anything. */
export function typedCents(text: string, field: string): number {
  const cents = parseMoney(text);
  if (cents === null) throw new CommandError({ kind: "validation", field, key: "amount_format" });
  return cents;
}

/** A whole number typed in a form (a quantity), or the validation error naming the field: never
 * a silent 0 or 1 for what did not parse. */
export function typedInt(text: string, field: string): number {
  const trimmed = String(text).trim();
  if (!/^-?\d{1,9}$/.test(trimmed)) throw new CommandError({ kind: "validation", field, key: "number_format" });
  return Number(trimmed);
}

/** The form field an error belongs to, for highlighting it. */
export function errorField(err: unknown): string | null {
  if (!(err instanceof CommandError)) return null;
  const e = err.error;
  if (e.kind === "validation") return e.field;
  if (e.kind === "conflict") return e.field;
  return null;
}

/** Follows the database status: its events, and the status as it is when the window opens. An
 * event and a command's answer travel apart, so an event that arrives while the answer is on its
 * way is newer than it: the answer is then dropped (found by the end-to-end tests: a desk that came
 * online during the window's start stayed on "Iniciando la base de datos…"). */
export async function startDbStatus(): Promise<void> {
  let heard = false;
  await events.dbStatusChanged.listen((event) => {
    heard = true;
    dbStatus.set(event.payload);
  });
  const now = await call(commands.getDbStatus());
  if (!heard) dbStatus.set(now);
}

export async function refreshSession(): Promise<void> {
  session.set(await call(commands.currentSession()));
}

/** Follows the outbox's counts (its event) and the store's age (re-read whenever the database's
 * status changes: a reconnect refreshes the store). Once an event was heard, the counts come from
 * events only: an answer travels apart from them and may be older than the last one (found by the
 * end-to-end test: a replay's counts were overwritten by a re-read sent before it). */
export async function startDeskStore(): Promise<void> {
  let heard = false;
  await events.outboxChanged.listen((event) => {
    heard = true;
    storeStatus.set({ ...storeStatus.get(), outbox: event.payload });
  });
  const reread = () =>
    void call(commands.getDeskStore()).then(
      (store) => storeStatus.set({ syncedAt: store.syncedAt, outbox: heard ? storeStatus.get().outbox : store.outbox }),
      () => undefined,
    );
  dbStatus.subscribe(reread);
  reread();
}

/** Calls `reload` whenever another desk (or this one) changes one of `topics`, or after a
 * reconnect (`everything`): lists of payments, cash, stock and today's patients stay current.
 * `listening` is called once the listener is in place (or could not be placed), unless stopped
 * before: what is loaded from then on misses no change. */
export function onDataChanged(topics: DataChanged["topic"][], reload: () => void, listening?: () => void): () => void {
  let stopped = false;
  const registered = events.dataChanged.listen((event) => {
    if (event.payload.topic === "everything" || topics.includes(event.payload.topic)) reload();
  });
  const ready = () => void (!stopped && listening?.());
  registered.then(ready, ready);
  return () => {
    stopped = true;
    void registered.then((stop) => stop(), () => undefined);
  };
}
