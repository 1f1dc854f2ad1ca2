// End to end, the reception desk as it reads (issue 17): every screen of the demo clinic laid out
// without overlapping or cut text at 1280×800 and at the window's smallest size (900×600), the
// week with one podiatrist and with everyone, dates typed and picked as dd/mm/aaaa, and tomorrow's
// reminders marked and shown on the calendar. Screenshots go to <target>/e2e-shots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { eventually, launchOnFreshDatabase, psql } from "./driver.mjs";

const SHOTS = join(process.env.CARGO_TARGET_DIR ?? resolve(import.meta.dirname, "../../target"), "e2e-shots");
mkdirSync(SHOTS, { recursive: true });
/** The screen as the receptionist sees it (WebDriver's own screenshot can stall WebKitGTK): the
 * X display's top-left corner, where the window sits, at the window's size. */
const shot = (name, width, height) => execFileSync("import", ["-window", "root", "-crop", `${width}x${height}+0+0`, join(SHOTS, name)]);
const settle = () => new Promise((r) => setTimeout(r, 800));
const ZONE = "America/Mexico_City";

async function signedInDemo(t) {
  const { db, app } = await launchOnFreshDatabase(t, { PODOCLINIC_DEMO: "1" });
  await app.firstAdminAndLogin("Recepción Uno", "recepcion", "agenda llena de pies");
  await app.find("[data-test=module-agenda]");
  return { db, app };
}

/** Opens a module by its navigation entry (a DOM click: entries low in the list are below the fold at 900×600). */
async function open(app, module) {
  await app.script(`document.querySelector("[data-test=nav-${module}]").click()`);
  await app.find(`[data-test=module-${module}]`);
  await settle();
}

async function assertLaysOut(app, where) {
  let problems = [];
  // Charts and the calendar draw after their data arrives: give them a moment, then judge.
  await eventually(async () => (problems = await app.layoutProblems()).length === 0, `${where} to lay out`, 5_000).catch(() => undefined);
  assert.deepEqual(problems, [], `${where}: ${problems.join("; ")}`);
}

test("every screen reads at 1280×800 and 900×600, and the week shows one podiatrist or everyone", async (t) => {
  const { db, app } = await signedInDemo(t);
  const weekOf = (podiatrist) =>
    Number(
      psql(
        db.url,
        `SELECT count(*) FROM appointments a JOIN podiatrists p ON p.id = a.podiatrist_id
         WHERE a.status NOT IN ('cancelled', 'no_show') ${podiatrist ? `AND p.name = '${podiatrist}'` : ""}
           AND (lower(a.during) AT TIME ZONE '${ZONE}') >= date_trunc('week', now() AT TIME ZONE '${ZONE}')
           AND (lower(a.during) AT TIME ZONE '${ZONE}') < date_trunc('week', now() AT TIME ZONE '${ZONE}') + interval '7 days'`,
      ),
    );
  const podiatrists = psql(db.url, "SELECT name FROM podiatrists WHERE active ORDER BY name").split("\n");
  assert.equal(podiatrists.length, 3);

  for (const [width, height] of [
    [1280, 800],
    [900, 600],
  ]) {
    await app.resize(width, height);
    for (const module of ["agenda", "reminders", "patients", "visits", "billing", "cash", "expenses", "inventory", "stats"]) {
      await open(app, module);
      shot(`${width}x${height}-${module}.png`, width, height);
      await assertLaysOut(app, `${module} at ${width}×${height}`);
    }

    // The week: one podiatrist's seven days, then everyone in the compact list.
    await open(app, "agenda");
    await app.click("[data-test=view-week]");
    const chosen = await app.script(`const s = document.querySelector("[data-test=week-podiatrist]"); return s.options[s.selectedIndex].text`);
    await eventually(async () => (await app.script("return document.querySelectorAll('[data-test=calendar] .ec-event:not(.ec-preview)').length")) === weekOf(chosen), `the week of ${chosen}`);
    shot(`${width}x${height}-week-one.png`, width, height);
    await assertLaysOut(app, `one podiatrist's week at ${width}×${height}`);

    await app.script(`const s = document.querySelector("[data-test=week-podiatrist]"); s.value = "all"; s.dispatchEvent(new Event("change", { bubbles: true }))`);
    await app.find("[data-test=week-list]");
    await eventually(async () => (await app.script("return document.querySelectorAll('[data-test=week-item]').length")) === weekOf(null), "everyone's week");
    const heads = await app.script("return [...document.querySelectorAll('[data-test=week-list] thead th')].map((th) => th.textContent.trim()).filter(Boolean)");
    assert.deepEqual([...heads].sort(), podiatrists, "a column per podiatrist, names whole");
    shot(`${width}x${height}-week-all.png`, width, height);
    await assertLaysOut(app, `everyone's week at ${width}×${height}`);

    // The desk remembers the choice: back on the agenda, the week opens compact again.
    await open(app, "patients");
    await open(app, "agenda");
    await app.click("[data-test=view-week]");
    await app.find("[data-test=week-list]");
    // Leave the week on one podiatrist for the next size's first look.
    await app.script(`const s = document.querySelector("[data-test=week-podiatrist]"); s.selectedIndex = 0; s.dispatchEvent(new Event("change", { bubbles: true }))`);
    await app.click("[data-test=view-day]");
  }
  console.log(`webview memory after the tour: ${app.webviewMemoryMiB()} MiB; screenshots in ${SHOTS}`);
});

test("tomorrow's reminders: a day typed dd/mm/aaaa, answers marked, and the calendar shows them", async (t) => {
  const { db, app } = await signedInDemo(t);
  // The next day with appointments (the day after a Saturday is a Sunday: the clinic is closed).
  const day = psql(
    db.url,
    `SELECT min((lower(during) AT TIME ZONE '${ZONE}')::date) FROM appointments
     WHERE status = 'scheduled' AND (lower(during) AT TIME ZONE '${ZONE}')::date > (now() AT TIME ZONE '${ZONE}')::date`,
  );
  const [y, m, d] = day.split("-");
  await open(app, "reminders");
  await app.type("[data-test=reminders-day]", `${d}/${m}/${y}`);
  const due = Number(psql(db.url, `SELECT count(*) FROM appointments WHERE status IN ('scheduled', 'confirmed') AND (lower(during) AT TIME ZONE '${ZONE}')::date = '${day}'`));
  await eventually(async () => (await app.script("return document.querySelectorAll('[data-test=reminder-row]').length")) === due, `the ${due} reminders of ${day}`);
  const message = await app.text("[data-test=reminder-row] .message");
  assert.match(message, /^Hola \S+, le recordamos su cita en Clínica Podológica Demo el \S+ \d+ de \S+ a las \d\d:\d\d con (Dra?\.) /, message);

  // The month picker shows the clinic's language and writes the clinic's format.
  await app.click("[data-test=reminders-day]");
  const title = await app.script("return document.querySelector('.air-datepicker.-active- .air-datepicker-nav--title')?.textContent ?? ''");
  assert.match(title, /(Enero|Febrero|Marzo|Abril|Mayo|Junio|Julio|Agosto|Septiembre|Octubre|Noviembre|Diciembre)/i, `a Spanish month: ${title}`);
  await app.script("document.querySelector('.air-datepicker.-active- .air-datepicker-cell.-day-.-selected-').click()");
  assert.equal(await app.script("return document.querySelector('[data-test=reminders-day]').value"), `${d}/${m}/${y}`);
  // A date that does not exist is marked, not taken.
  await app.type("[data-test=reminders-day]", "31/02/2027");
  assert.equal(await app.attribute("[data-test=reminders-day]", "aria-invalid"), "true");
  await app.type("[data-test=reminders-day]", `${d}/${m}/${y}`);
  await eventually(async () => (await app.script("return document.querySelectorAll('[data-test=reminder-row]').length")) === due, "the day again");

  // Three answers: confirmed, no answer, cancelled.
  const ids = psql(
    db.url,
    `SELECT a.id FROM appointments a JOIN podiatrists p ON p.id = a.podiatrist_id WHERE a.status = 'scheduled'
       AND (lower(a.during) AT TIME ZONE '${ZONE}')::date = '${day}' ORDER BY lower(a.during), p.name, a.patient_name LIMIT 3`,
  ).split("\n");
  const row = (i) => `[data-test=reminder-row]:nth-child(${i + 1})`;
  for (const [i, outcome, status] of [
    [0, "confirmed", "confirmed"],
    [1, "no_answer", "scheduled"],
    [2, "cancelled", "cancelled"],
  ]) {
    await app.click(`${row(i)} [data-test=reminder-${outcome}]`);
    await eventually(() => psql(db.url, `SELECT status || ' ' || reminder FROM appointments WHERE id = '${ids[i]}'`) === `${status} ${outcome}`, `${outcome} stored`);
  }
  await app.textIs(`${row(0)} [data-test=reminder-state]`, /Confirmó/);

  // The calendar: everyone's week holding that day shows the confirmation and the silence; the
  // cancelled appointment is gone from it (its slot is free).
  await open(app, "agenda");
  await app.click("[data-test=view-week]");
  await app.script(`const s = document.querySelector("[data-test=week-podiatrist]"); s.value = "all"; s.dispatchEvent(new Event("change", { bubbles: true }))`);
  await app.find("[data-test=week-list]");
  const sameWeek = psql(db.url, `SELECT date_trunc('week', '${day}'::date) = date_trunc('week', (now() AT TIME ZONE '${ZONE}')::date)`);
  if (sameWeek !== "t") await app.click("[data-test=week-list] [aria-label=Siguiente]");
  const names = psql(db.url, `SELECT patient_name FROM appointments WHERE id IN ('${ids.join("','")}') ORDER BY array_position(ARRAY['${ids.join("','")}']::uuid[], id)`).split("\n");
  const items = () => app.script("return [...document.querySelectorAll('[data-test=week-item]')].map((b) => [b.title, b.className])");
  await eventually(async () => (await items()).some(([title]) => title.startsWith(names[0] ?? "?")), "the week with the reminded day");
  const shown = await items();
  const of = (name) => shown.filter(([title]) => title.startsWith(name));
  assert.ok(of(names[0]).some(([title, cls]) => /Confirmada/.test(title) && /status-confirmed/.test(cls)), `${names[0]} confirmed on the calendar`);
  assert.ok(of(names[1]).some(([title, cls]) => /no contestó al recordatorio/.test(title) && /no-answer/.test(cls)), `${names[1]} marked as no answer`);
  assert.equal(
    Number(psql(db.url, `SELECT count(*) FROM appointments WHERE patient_name = '${names[2]}' AND status NOT IN ('cancelled', 'no_show') AND date_trunc('week', lower(during) AT TIME ZONE '${ZONE}') = date_trunc('week', '${day}'::date)`)),
    of(names[2]).length,
    `${names[2]}'s cancelled appointment is off the calendar`,
  );
  console.log(`webview memory after the reminders flow: ${app.webviewMemoryMiB()} MiB`);
});
