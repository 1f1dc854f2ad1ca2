import { useEffect, useState } from "preact/hooks";
import { call, CommandError, commands, session, storeStatus, errorText } from "../api";
import type { ExpenseCategory, Kept, Patient, Podiatrist, Seen, Write } from "../bindings";
import { formatTime, formatWhen, t } from "../i18n";
import { formatMoney } from "../money";
import { useObserved } from "../observable";
import { ErrorBox, Pending, useLoad, useSubmit } from "./Form";

/** "Pendientes y conflictos": what this desk kept while the server was away and has not sent yet,
 * and what the server refused, with the fixes that fit. Nothing leaves the tray but by landing on
 * the server or by a person discarding it with a reason (audited). */
export function OutboxTray({ onClose }: { onClose: () => void }) {
  const kept = useLoad(() => call(commands.listOutbox()), []);
  // A write sent or refused while the tray is open shows at once.
  const { pending, conflicts } = useObserved(storeStatus).outbox;
  useEffect(() => void kept.reload(), [pending, conflicts]);
  const pods = useLoad(() => call(commands.listPodiatrists()).catch(() => [] as Podiatrist[]), []);
  const categories = useLoad(() => call(commands.listExpenseCategories()).catch(() => [] as ExpenseCategory[]), []);
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-label={t("outbox.title")} data-test="outbox-tray">
      <section class="card tray">
        <header class="row">
          <h2>{t("outbox.title")}</h2>
          <span class="spacer" />
          <button type="button" onClick={() => void kept.reload()}>
            {t("outbox.reload")}
          </button>
          <button type="button" onClick={onClose} data-test="close-tray">
            {t("common.close")}
          </button>
        </header>
        {kept.data === null ? (
          <Pending error={kept.error} />
        ) : kept.data.length === 0 ? (
          <p data-test="tray-empty">{t("outbox.empty")}</p>
        ) : (
          <ul class="tray-list">
            {kept.data.map((k) => (
              <Item key={k.id} kept={k} names={{ podiatrists: pods.data ?? [], categories: categories.data ?? [] }} onDone={() => void kept.reload()} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** What was typed, in a line a receptionist recognizes. */
function describe(write: Write, names: Names): string {
  const pod = (id: string) => names.podiatrists.find((p) => p.id === id)?.name ?? "";
  switch (write.kind) {
    case "book":
      return t("outbox.what.book", { when: formatWhen(write.input.startsAt), podiatrist: pod(write.input.podiatristId), reason: write.input.reason });
    case "reschedule":
      return t("outbox.what.reschedule", { when: formatWhen(write.input.startsAt), podiatrist: pod(write.input.podiatristId) });
    case "setStatus":
      return t("outbox.what.setStatus", { status: t(`status.${write.status}`) });
    case "cancel":
      return t("outbox.what.cancel", { reason: write.reason });
    case "createPatient":
      return t("outbox.what.createPatient", { name: `${write.patient.firstName} ${write.patient.lastNames}` });
    case "updatePatient":
      return t("outbox.what.updatePatient", { name: `${write.patient.firstName} ${write.patient.lastNames}` });
    case "payment":
      return t("outbox.what.payment", { amount: formatMoney(write.input.amountCents), method: t(`methods.${write.input.method}`) });
    case "charge": {
      const total = write.input.lines.reduce((sum, l) => sum + l.quantity * (l.unitPriceCents ?? 0) - l.discountCents, 0);
      return t("outbox.what.charge", { amount: formatMoney(total), lines: write.input.lines.length });
    }
    case "expense":
      return t("outbox.what.expense", {
        amount: formatMoney(write.input.amountCents),
        method: t(`methods.${write.input.method}`),
        category: names.categories.find((c) => c.id === write.input.categoryId)?.name ?? "",
      });
    case "signConsent":
      return t("outbox.what.signConsent", { when: formatWhen(write.at) });
    case "signIn":
      return t("outbox.what.signIn", { when: formatWhen(write.at) });
    case "signInFailed":
      return t("outbox.what.signInFailed", { when: formatWhen(write.at) });
  }
}

interface Names {
  podiatrists: Podiatrist[];
  categories: ExpenseCategory[];
}

function Item({ kept, names, onDone }: { kept: Kept; names: Names; onDone: () => void }) {
  const podiatrists = names.podiatrists;
  const [reason, setReason] = useState("");
  const [discarding, setDiscarding] = useState(false);
  const act = useSubmit(async (next: Write) => {
    await call(commands.retryOutbox(kept.id, next));
    onDone();
  });
  const discard = useSubmit(async () => {
    await call(commands.discardOutbox(kept.id, reason));
    onDone();
  });
  const me = useObserved(session);
  const w = kept.write;
  const refusal = kept.refusal;
  const appointment = w.kind === "book" || w.kind === "reschedule" ? w : null;
  const nextFree = useSubmit(async () => {
    if (!appointment) return;
    const input = appointment.input;
    const minutes = Math.round((Date.parse(input.endsAt) - Date.parse(input.startsAt)) / 60_000);
    const from = new Date(Date.parse(input.startsAt)).toISOString();
    const to = new Date(Date.parse(input.startsAt) + 14 * 86_400_000).toISOString();
    const [slot] = await call(commands.findSlots({ podiatristId: input.podiatristId, durationMinutes: minutes, from, to, limit: 1 }));
    if (!slot) throw new CommandError({ kind: "conflict", key: "no_free_slot", field: null });
    await act.run({ ...appointment, input: { ...input, startsAt: slot.startsAt, endsAt: slot.endsAt } } as Write);
  });
  return (
    <li class={refusal ? "tray-item refused" : "tray-item"} data-test="tray-item">
      <div>
        <strong>{describe(w, names)}</strong>
        <small> · {t("outbox.typedAt", { when: formatWhen(kept.createdAt) })}</small>
        {kept.authorName ? (
          <small data-test="tray-author">
            {" · "}
            {kept.typedByName ? t("outbox.amendedBy", { author: kept.authorName, typist: kept.typedByName }) : t("outbox.typedBy", { author: kept.authorName })}
          </small>
        ) : null}
      </div>
      {refusal ? (
        <p class="error" data-test="tray-refusal">
          {errorText(new CommandError(refusal))}
        </p>
      ) : null}
      {refusal && w.kind === "updatePatient" && refusal.kind === "conflict" && refusal.key === "patient_changed" ? (
        <PatientChanged typed={w.patient} onKeep={(now) => void act.run({ ...w, patient: { ...w.patient, updatedAt: now } })} />
      ) : null}
      {refusal && (w.kind === "reschedule" || w.kind === "setStatus" || w.kind === "cancel") && w.seen && refusal.kind === "conflict" && refusal.key === "appointment_changed" ? (
        <AppointmentChanged id={w.kind === "reschedule" ? w.input.id : w.id} seen={w.seen} names={names} onApply={() => void act.run(w)} />
      ) : null}
      {refusal ? null : kept.confirmed ? (
        <p data-test="tray-waiting">{t("outbox.waiting")}</p>
      ) : (
        <div class="row wrap">
          <p data-test="tray-unconfirmed">{t("outbox.waitingAuthor", { author: kept.authorName })}</p>
          {me && me.userId !== kept.userId && w.kind !== "signIn" && w.kind !== "signInFailed" ? (
            <button type="button" onClick={() => void act.run(w)} data-test="tray-send-as-me">
              {t("outbox.fix.sendAsMe")}
            </button>
          ) : null}
        </div>
      )}
      {refusal ? (
        <div class="row wrap">
          {appointment ? (
            <button type="button" disabled={nextFree.busy} onClick={() => void nextFree.run()} data-test="tray-next-slot">
              {t("outbox.fix.nextSlot")}
            </button>
          ) : null}
          {appointment
            ? podiatrists
                .filter((p) => p.active && p.id !== appointment.input.podiatristId)
                .map((p) => (
                  <button type="button" key={p.id} onClick={() => void act.run({ ...appointment, input: { ...appointment.input, podiatristId: p.id } } as Write)}>
                    {t("outbox.fix.otherPodiatrist", { name: p.name })}
                  </button>
                ))
            : null}
          {appointment && refusal.kind === "validation" && refusal.key === "outside_schedule" ? (
            <button type="button" onClick={() => void act.run({ ...appointment, input: { ...appointment.input, overrideSchedule: true } } as Write)}>
              {t("outbox.fix.override")}
            </button>
          ) : null}
          {w.kind === "charge" && refusal.kind === "conflict" && refusal.key === "price_changed" ? (
            <button type="button" onClick={() => void act.run({ ...w, input: { ...w.input, lines: w.input.lines.map((l) => ({ ...l, unitPriceCents: null })) } })}>
              {t("outbox.fix.todayPrice")}
            </button>
          ) : null}
          {w.kind === "createPatient" && refusal.kind === "conflict" && refusal.key === "possible_duplicate" ? (
            <button type="button" onClick={() => void act.run({ ...w, allowDuplicate: true })}>
              {t("outbox.fix.registerAnyway")}
            </button>
          ) : null}
          {(w.kind === "payment" || w.kind === "expense") && refusal.kind === "conflict" && refusal.key === "cash_session_changed" ? (
            <button type="button" onClick={() => void act.run({ ...w, drawer: null })} data-test="tray-open-drawer">
              {t("outbox.fix.openDrawer")}
            </button>
          ) : null}
          {w.kind !== "signIn" && w.kind !== "signInFailed" && refusal.kind === "conflict" && (refusal.key === "not_authentic" || refusal.key === "author_must_confirm") ? (
            <button type="button" onClick={() => void act.run(w)} data-test="tray-send-as-me">
              {t("outbox.fix.sendAsMe")}
            </button>
          ) : null}
          <button type="button" class="danger" onClick={() => setDiscarding(true)} data-test="tray-discard">
            {t("outbox.fix.discard")}
          </button>
        </div>
      ) : null}
      {discarding ? (
        <div class="row">
          <input
            aria-label={t("fields.reason")}
            value={reason}
            placeholder={t("outbox.discardReason")}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
            data-test="tray-discard-reason"
          />
          <button type="button" class="danger" disabled={discard.busy} onClick={() => void discard.run()} data-test="tray-discard-confirm">
            {t("outbox.fix.discardConfirm")}
          </button>
        </div>
      ) : null}
      <ErrorBox message={act.message ?? nextFree.message ?? discard.message} />
    </li>
  );
}

/** The fields of a patient's record the tray compares. */
const COMPARED: (keyof Patient)[] = [
  "firstName",
  "lastNames",
  "birthDate",
  "sex",
  "phone",
  "phoneAlt",
  "email",
  "address",
  "emergencyContact",
  "emergencyPhone",
  "diabetes",
  "vascularDisease",
  "anticoagulants",
  "allergies",
  "historyNotes",
  "curp",
];

/** What a kept write was made on beside what the server holds now, only the fields that differ
 * (field, then, now), and the one button that sends the write over what is there now. */
function SideBySide(p: { rows: [string, string, string][]; then: string; button: string; test: string; onSend: () => void }) {
  return (
    <div data-test="tray-side-by-side">
      <table class="compare">
        <thead>
          <tr>
            <th />
            <th>{p.then}</th>
            <th>{t("outbox.compare.server")}</th>
          </tr>
        </thead>
        <tbody>
          {p.rows
            .filter(([, then, now]) => then !== now)
            .map(([field, then, now]) => (
              <tr key={field} data-test={`compare-${field}`}>
                <th>{t(`fields.${field}`)}</th>
                <td>{then}</td>
                <td>{now}</td>
              </tr>
            ))}
        </tbody>
      </table>
      <button type="button" onClick={p.onSend} data-test={p.test}>
        {p.button}
      </button>
    </div>
  );
}

/** An update typed here on a record another desk changed meanwhile: what was typed beside what the
 * server holds now, field by field, so a person decides; nothing is written over the newer record
 * unless they choose to. */
function PatientChanged({ typed, onKeep }: { typed: Patient; onKeep: (version: string | null) => void }) {
  const now = useLoad(() => call(commands.getPatient(typed.id)), [typed.id]);
  if (now.data === null) return <Pending error={now.error} />;
  const server = now.data;
  const shown = (v: unknown) => (typeof v === "boolean" ? t(v ? "common.yes" : "common.no") : v === null || v === "" ? "—" : String(v));
  return (
    <SideBySide
      rows={COMPARED.map((f) => [f, shown(typed[f]), shown(server[f])])}
      then={t("outbox.compare.typed")}
      button={t("outbox.fix.keepTyped")}
      test="tray-keep-typed"
      onSend={() => onKeep(server.updatedAt)}
    />
  );
}

/** A kept change to an appointment another desk changed meanwhile: the appointment as this desk
 * showed it when the change was typed, beside the server's now; sending it anyway makes it over
 * what the server holds now. */
function AppointmentChanged({ id, seen, names, onApply }: { id: string; seen: Seen; names: Names; onApply: () => void }) {
  const now = useLoad(() => call(commands.getAppointment(id)), [id]);
  if (now.data === null) return <Pending error={now.error} />;
  const server = now.data;
  const pod = (podiatristId: string) => names.podiatrists.find((p) => p.id === podiatristId)?.name ?? "—";
  return (
    <SideBySide
      rows={[
        ["startsAt", `${formatWhen(seen.startsAt)}–${formatTime(seen.endsAt)}`, `${formatWhen(server.startsAt)}–${formatTime(server.endsAt)}`],
        ["podiatristId", pod(seen.podiatristId), pod(server.podiatristId)],
        ["status", t(`status.${seen.status}`), t(`status.${server.status}`)],
      ]}
      then={t("outbox.compare.seen")}
      button={t("outbox.fix.applyAnyway")}
      test="tray-apply-anyway"
      onSend={onApply}
    />
  );
}
