// A small W3C WebDriver client (classic protocol, as tauri-driver speaks it) and the fixtures the
// end-to-end tests share: a fresh database, the app under tauri-driver, and clean-up.
import { spawn, execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const ROOT = resolve(import.meta.dirname, "../..");
const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, "target");
export const APP = process.env.PODOCLINIC_APP ?? join(TARGET, "debug", "podoclinic");
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TAURI_DRIVER = process.env.TAURI_DRIVER ?? join(process.env.HOME ?? "/root", ".cargo", "bin", "tauri-driver");

/** `count` distinct TCP ports nobody listens on now (the system picks them, all held at once),
 * for a driver of the test's own: a driver left over by another file cannot answer in its place. */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** The process groups of the drivers this file started (tauri-driver, the WebKitWebDriver it
 * starts, the app that one starts, and the app's web processes), killed whole however the file
 * ends, the runner's timeout included: nothing of a test outlives its file. */
const driverGroups = new Set();
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
process.once("exit", () => driverGroups.forEach((pid) => killGroup(pid, "SIGKILL")));
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => process.exit(128 + (signal === "SIGTERM" ? 15 : 2)));
}

/** The tests' reader of a desk's encrypted store (`tests/bin/store_sql.rs`, built with the app). */
const STORE_SQL = join(TARGET, "debug", "store-sql");

/** Runs `sql` on the store of the desk whose data folder is `dataDir`, with the key that desk's
 *  keyring holds (as anyone at the desk's OS account could), and answers what it printed. */
export function storeSql(dataDir, sql) {
  return execFileSync(STORE_SQL, [dataDir, sql], { encoding: "utf8" }).trim();
}

export function psql(url, sql) {
  return execFileSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], { encoding: "utf8" }).trim();
}

/** The clinic's podiatrist, Dra. Lucía Hernández, working every day, all day. */
export function podiatristAllWeek(url) {
  psql(
    url,
    `WITH p AS (INSERT INTO podiatrists (id, name, color) VALUES (gen_random_uuid(), 'Dra. Lucía Hernández', '#0f766e') RETURNING id)
     INSERT INTO schedule_blocks (id, podiatrist_id, weekday, start_minute, end_minute)
     SELECT gen_random_uuid(), p.id, d, 0, 1440 FROM p, generate_series(1, 7) d`,
  );
}

export function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, empty database; the app migrates it at start. */
export function freshDatabase() {
  const name = `podoclinic_e2e_${Date.now()}_${process.pid}`;
  psql(DATABASE_URL, `CREATE DATABASE ${name}`);
  return {
    url: withDatabase(DATABASE_URL, name),
    drop: () => psql(DATABASE_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Polls `check` (sync or async) until it returns something truthy; fails naming `what`. A
 * transient answer from the driver inside `check` (an element replaced while the page re-rendered)
 * counts as "not yet", like a falsy value; any other error fails at once. */
export async function eventually(check, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      if (!isTransient(e)) throw e;
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${last.message})` : ""}`);
    await sleep(200);
  }
}

/** A fresh database and the app on it, both cleaned up when the test `t` ends. */
export async function launchOnFreshDatabase(t, env = {}) {
  const db = freshDatabase();
  const app = await launch({ PODOCLINIC_DATABASE_URL: db.url, ...env });
  t.after(async () => {
    await app.close();
    db.drop();
  });
  return { db, app };
}

/** Starts tauri-driver with `env` for the app, and a WebDriver session on the app's main window. */
/** Starts the app under tauri-driver. `prepare(dirs)` may write into its folders first (a desk's
 * settings file, say). An `env` value of null removes that variable; `application` runs another
 * binary (the installed one). */
export async function launch(env, prepare, { application = APP } = {}) {
  if (!existsSync(application)) throw new Error(`app binary not found at ${application}; build it first`);
  const dirs = mkdtempSync(join(tmpdir(), "podoclinic-e2e-"));
  prepare?.(dirs);
  const [port, nativePort] = await freePorts(2);
  const appEnv = {
    ...process.env,
    PODOCLINIC_CONFIG_DIR: join(dirs, "config"),
    PODOCLINIC_DATA_DIR: join(dirs, "data"),
    PODOCLINIC_LOG_DIR: join(dirs, "logs"),
    WEBKIT_DISABLE_COMPOSITING_MODE: "1",
    ...env,
  };
  for (const [key, value] of Object.entries(appEnv)) if (value === null) delete appEnv[key];
  // The driver, and all it starts, write to a file of the test's own, never to the runner's
  // pipe: a process left behind holding that pipe kept the runner waiting past its end (a CI run
  // hung an hour on one). It runs in a process group of its own, killed whole at close.
  const logPath = join(dirs, "driver.log");
  const log = openSync(logPath, "a");
  const driver = spawn(TAURI_DRIVER, ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"], {
    env: appEnv,
    stdio: ["ignore", log, log],
    detached: true,
  });
  closeSync(log);
  driverGroups.add(driver.pid);
  const driverLog = () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "");
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (driver.exitCode !== null || driver.signalCode !== null) {
      throw new Error(`tauri-driver ended before it answered (${driver.exitCode ?? driver.signalCode}): ${driverLog().slice(-2000)}`);
    }
    try {
      const r = await fetch(`${base}/status`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 100) throw new Error(`tauri-driver did not start: ${driverLog().slice(-2000)}`);
    await sleep(100);
  }
  const created = await request(
    base,
    "POST",
    "/session",
    { capabilities: { alwaysMatch: { "tauri:options": { application } } } },
    { timeoutMs: SESSION_START_TIMEOUT_MS },
  ).catch((e) => {
    throw new Error(`${e.message}; the driver's log: ${driverLog().slice(-2000)}`, { cause: e });
  });
  const session = new Session(base, created.sessionId, appEnv);
  session.onClose = async () => {
    killGroup(driver.pid, "SIGTERM");
    for (let i = 0; i < 50 && driver.exitCode === null && driver.signalCode === null; i++) await sleep(100);
    killGroup(driver.pid, "SIGKILL");
    driverGroups.delete(driver.pid);
    const crashed = /panicked at|error while running/.exec(driverLog());
    if (crashed) process.stderr.write(`tauri-driver's log (it reported a fault):\n${driverLog().slice(-4000)}\n`);
  };
  return session;
}

/** How long one request to the driver may take before its step fails (a hung command fails its
 * step, named, not the whole file at the runner's limit). Starting a session starts the app and
 * waits for its window: it gets longer. */
export const REQUEST_TIMEOUT_MS = Number(process.env.PODOCLINIC_E2E_REQUEST_TIMEOUT_MS ?? 30_000);
const SESSION_START_TIMEOUT_MS = 120_000;

/** An error the driver answered, with its W3C code (`stale element reference`, …). */
export class DriverError extends Error {
  constructor(message, code) {
    super(message);
    this.name = "DriverError";
    this.code = code;
  }
}

/** A request the driver did not answer in time. Never retried: a hung driver stays hung. */
export class DriverTimeout extends Error {
  constructor(message) {
    super(message);
    this.name = "DriverTimeout";
  }
}

// The driver's answers that mean "not yet" while the page re-renders: a lookup that found a node
// the page has just replaced (WebKitWebDriver answers `POST /elements` so while a banner leaves), an
// element not there yet, or covered for a moment by one on its way out. Waits retry them until their
// deadline; every other answer fails the step at once.
const TRANSIENT = new Set(["stale element reference", "no such element", "element not interactable", "element click intercepted"]);
// Not the driver's: the page does not show the awaited state yet (`textIs`), retried like them.
const NOT_YET = "not yet";
TRANSIENT.add(NOT_YET);

/** Whether `e` is one of the driver's "not yet" answers. */
export function isTransient(e) {
  return e instanceof DriverError && TRANSIENT.has(e.code);
}

/** One WebDriver request with its own deadline; answers the response's `value`. */
export async function request(base, method, path, body, { timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  let response, json;
  try {
    response = await fetch(base + path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    json = await response.json();
  } catch (e) {
    if (e?.name === "TimeoutError" || e?.name === "AbortError") throw new DriverTimeout(`${method} ${path} did not answer within ${timeoutMs} ms`);
    throw e;
  }
  if (!response.ok) {
    const value = json?.value ?? json;
    throw new DriverError(`${method} ${path}: ${JSON.stringify(value)}`, value?.error);
  }
  return json.value;
}

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

// Runs in the page: every visible line of text as a rectangle, clipped by its scrolling or
// clipping ancestors; two from different elements may not overlap by more than a pixel.
const LAYOUT_CHECK = `
  const boxes = [], cut = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const vw = window.innerWidth, vh = window.innerHeight;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || el.closest("script, style, [aria-hidden=true]")) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== "visible" || Number(style.opacity) === 0) continue;
    let clip = { left: 0, top: 0, right: vw, bottom: vh };
    for (let a = el; a && a !== document.documentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.display === "none" || Number(s.opacity) === 0) { clip = null; break; }
      if (s.overflowX !== "visible" || s.overflowY !== "visible") {
        const r = a.getBoundingClientRect();
        clip = { left: Math.max(clip.left, r.left), top: Math.max(clip.top, r.top), right: Math.min(clip.right, r.right), bottom: Math.min(clip.bottom, r.bottom) };
      }
    }
    if (!clip) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      const box = { left: Math.max(r.left, clip.left), top: Math.max(r.top, clip.top), right: Math.min(r.right, clip.right), bottom: Math.min(r.bottom, clip.bottom) };
      if (box.right - box.left < 1 || box.bottom - box.top < 1) continue;
      const text = node.textContent.trim().slice(0, 40);
      // A line cut short sideways (a name squeezed to "D…") cannot be read; lines cut at the top
      // or bottom of a scrolling box are only scrolled out of view.
      if (r.width - (box.right - box.left) > 2 && box.right - box.left < 0.8 * r.width) cut.push(\`"\${text}" is cut to \${Math.round(box.right - box.left)} of \${Math.round(r.width)} px\`);
      boxes.push({ ...box, el, text });
    }
  }
  const problems = [...new Set(cut)];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.el === b.el) continue;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) problems.push(\`"\${a.text}" overlaps "\${b.text}" (\${Math.round(w)}×\${Math.round(h)} px)\`);
    }
  }
  const wide = document.scrollingElement.scrollWidth - vw;
  if (wide > 1) problems.push(\`the page is \${wide} px wider than the window\`);
  return problems.slice(0, 20);
`;

export class Session {
  /** `requestTimeoutMs` bounds each request to the driver (the unit test of this file shortens it). */
  constructor(base, id, env, { requestTimeoutMs = REQUEST_TIMEOUT_MS } = {}) {
    this.base = base;
    this.id = id;
    this.env = env;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  cmd(method, path, body, timeoutMs = this.requestTimeoutMs) {
    return request(this.base, method, `/session/${this.id}${path}`, body, { timeoutMs });
  }

  /**
   * Runs `attempt` until it succeeds, within `timeoutMs`. The driver's "not yet" answers (a node the
   * page replaced, one not there yet or covered for a moment) are retried, each attempt looking the
   * element up again; a request the driver does not answer, or any other error, fails at once. A
   * failure names the step and says what the window showed (its text and a screenshot).
   */
  async step(name, timeoutMs, attempt) {
    const started = Date.now();
    let last;
    for (;;) {
      try {
        return await attempt();
      } catch (e) {
        if (!isTransient(e)) throw new Error(`${name} failed after ${Date.now() - started} ms: ${e.message}; the page showed: ${await this.shown()}`, { cause: e });
        last = e;
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`${name}: not done after ${timeoutMs} ms (last: ${last.message}); the page showed: ${await this.shown()}`, { cause: last });
      }
      await sleep(150);
    }
  }

  /** The id of a displayed element matching `css` now, or a "not yet" error. */
  async lookup(css) {
    const found = await this.cmd("POST", "/element", { using: "css selector", value: css });
    const id = found[ELEMENT];
    if (!(await this.cmd("GET", `/element/${id}/displayed`))) throw new DriverError(`${css} is not displayed`, "element not interactable");
    return id;
  }

  /** Waits for an element matching `css` that is displayed; answers its id (use it at once: the
   * page may replace it; the actions below look it up again on every try). */
  find(css, timeoutMs = 20_000) {
    return this.step(`find ${css}`, timeoutMs, () => this.lookup(css));
  }

  /** What the current window shows, for a failure's message (and a screenshot in the temp folder).
   * Asked of the driver with a short deadline; a driver that does not answer gets the X display's
   * screenshot instead. */
  async shown() {
    const path = join(tmpdir(), `podoclinic-e2e-failure-${Date.now()}.png`);
    const quick = Math.min(this.requestTimeoutMs, 5_000);
    let text;
    try {
      text = await this.cmd("POST", "/execute/sync", { script: "return document.body ? document.body.innerText : '(no body)'", args: [] }, quick);
      const png = await this.cmd("GET", "/screenshot", undefined, quick);
      writeFileSync(path, Buffer.from(png, "base64"));
      return `${JSON.stringify(String(text).slice(0, 400))} (screenshot ${path})`;
    } catch (e) {
      const said = text === undefined ? `(the driver gave no text: ${e.message})` : JSON.stringify(String(text).slice(0, 400));
      try {
        execFileSync("import", ["-window", "root", path], { stdio: "ignore", timeout: 10_000 });
        return `${said} (screenshot of the display ${path})`;
      } catch {
        return `${said} (no screenshot)`;
      }
    }
  }

  /** Waits until no element matches `css`. Asked of the page itself, so no element reference is
   * held that a re-render could make stale. */
  gone(css, timeoutMs = 20_000) {
    return this.step(`wait for ${css} to go`, timeoutMs, async () => {
      const present = await this.cmd("POST", "/execute/sync", { script: "return document.querySelector(arguments[0]) !== null", args: [css] });
      if (present) throw new DriverError(`${css} is still present`, "no such element");
    });
  }

  /** Replaces the text of the field matching `css` with `text`. */
  type(css, text, timeoutMs = 20_000) {
    return this.step(`type into ${css}`, timeoutMs, async () => {
      const el = await this.lookup(css);
      await this.cmd("POST", `/element/${el}/clear`, {});
      await this.cmd("POST", `/element/${el}/value`, { text });
    });
  }

  click(css, timeoutMs = 20_000) {
    return this.step(`click ${css}`, timeoutMs, async () => this.cmd("POST", `/element/${await this.lookup(css)}/click`, {}));
  }

  attribute(css, name, timeoutMs = 20_000) {
    return this.step(`read ${name} of ${css}`, timeoutMs, async () => this.cmd("GET", `/element/${await this.lookup(css)}/attribute/${name}`));
  }

  /** The text of `css` now. To check what an action led to, use `textIs`: an action returns before
   * the page shows its outcome. */
  text(css, timeoutMs = 20_000) {
    return this.step(`read the text of ${css}`, timeoutMs, async () => this.cmd("GET", `/element/${await this.lookup(css)}/text`));
  }

  /** Waits until the text of `css` is `expected` (a string) or matches it (a RegExp): the state the
   * user waits for after an action, not the text at the instant the action's request returned
   * (found by a clean-clone run: "Agendada" read a moment before the status change showed "En
   * espera"). Answers the text; on timeout the error names the selector, what was expected, the
   * last text seen and what the window showed. */
  async textIs(css, expected, timeoutMs = 20_000) {
    const matches = (text) => (expected instanceof RegExp ? expected.test(text) : text === expected);
    let seen;
    return this.step(`wait for ${css} to read ${expected}`, timeoutMs, async () => {
      seen = await this.cmd("GET", `/element/${await this.lookup(css)}/text`);
      if (!matches(seen)) throw new DriverError(`${css} reads ${JSON.stringify(seen)}`, NOT_YET);
      return seen;
    });
  }

  /** Presses on `css`, moves by (dx, dy) in small steps, releases: a real drag for the page. */
  drag(css, dx, dy) {
    const steps = 6;
    const moves = Array.from({ length: steps }, () => ({ type: "pointerMove", duration: 60, origin: "pointer", x: Math.round(dx / steps), y: Math.round(dy / steps) }));
    return this.step(`drag ${css} by ${dx},${dy}`, 20_000, async () => {
      const el = await this.lookup(css);
      await this.cmd("POST", "/actions", {
        actions: [
          {
            type: "pointer",
            id: "mouse",
            parameters: { pointerType: "mouse" },
            actions: [
              { type: "pointerMove", duration: 0, origin: { [ELEMENT]: el }, x: 0, y: 0 },
              { type: "pointerDown", button: 0 },
              ...moves,
              { type: "pointerUp", button: 0 },
            ],
          },
        ],
      });
      await this.cmd("DELETE", "/actions");
    });
  }

  /** Draws one stroke on `css` with the pointer: pressed at the first point, moved through the
   * others, released; points are offsets from the element's centre, in CSS pixels. */
  drawOn(css, points) {
    return this.step(`draw on ${css}`, 20_000, async () => {
      const el = await this.lookup(css);
      const at = ([x, y], duration) => ({ type: "pointerMove", duration, origin: { [ELEMENT]: el }, x, y });
      await this.cmd("POST", "/actions", {
        actions: [
          {
            type: "pointer",
            id: "pen",
            parameters: { pointerType: "mouse" },
            actions: [at(points[0], 0), { type: "pointerDown", button: 0 }, ...points.slice(1).map((p) => at(p, 25)), { type: "pointerUp", button: 0 }],
          },
        ],
      });
      await this.cmd("DELETE", "/actions");
    });
  }

  /** Signs up the first admin and signs in (fresh database). */
  async firstAdminAndLogin(displayName, username, password) {
    await this.find("[data-test=first-admin-form]", 60_000);
    await this.type("#field-displayName", displayName);
    await this.type("#field-username", username);
    await this.type("#field-password", password);
    await this.click("[data-test=first-admin-submit]");
    await this.find("[data-test=login-form]");
    await this.type("#field-password", password);
    await this.click("[data-test=login-submit]");
    await this.find("[data-test=signed-in-as]");
  }

  /** The resident memory of this app's web processes (WebKit's renderer and network), in MiB. */
  webviewMemoryMiB() {
    const marker = `PODOCLINIC_DATA_DIR=${this.env.PODOCLINIC_DATA_DIR}`;
    let kib = 0;
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const program = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0")[0] ?? "";
        if (!/WebKit(Web|Network)Process$/.test(program)) continue;
        if (!readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(marker)) continue;
        kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
      } catch {
        // gone meanwhile
      }
    }
    return Math.round(kib / 102.4) / 10;
  }

  /** The handles of the open windows. */
  windows() {
    return this.cmd("GET", "/window/handles");
  }

  /** Waits for a window not in `known` to open and switches to it; returns its handle. */
  async switchToNewWindow(known, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const fresh = (await this.windows()).find((h) => !known.includes(h));
      if (fresh) {
        await this.cmd("POST", "/window", { handle: fresh });
        return fresh;
      }
      await sleep(200);
    }
    throw new Error(`no new window after ${timeoutMs} ms`);
  }

  switchToWindow(handle) {
    return this.cmd("POST", "/window", { handle });
  }

  /** Runs `js` in the page and returns its value (for what is not on screen, e.g. a calendar
   * event scrolled out of view, whose rendered text WebDriver reports as empty). */
  script(js, args = []) {
    return this.cmd("POST", "/execute/sync", { script: js, args });
  }

  /** Resizes the app's window (the inner size the page sees), and waits for the page to see it. */
  async resize(width, height) {
    await this.cmd("POST", "/window/rect", { width, height });
    await eventually(async () => {
      const [w, h] = await this.script("return [window.innerWidth, window.innerHeight]");
      return Math.abs(w - width) <= 40 && Math.abs(h - height) <= 60;
    }, `the window at ${width}×${height}`);
  }

  /**
   * What does not fit on the page as it is shown: pairs of text boxes of different elements that
   * overlap (each line of text measured where it is drawn, clipped by the boxes that clip it), a
   * line cut short sideways, and a page wider than the window. Empty when the layout holds.
   */
  async layoutProblems() {
    return this.script(LAYOUT_CHECK);
  }

  async screenshot(path) {
    writeFileSync(path, Buffer.from(await this.cmd("GET", "/screenshot"), "base64"));
  }

  /** The app's log, for facts only the app knows (e.g. where its local cluster lives). */
  log() {
    const dir = this.env.PODOCLINIC_LOG_DIR;
    return readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
  }

  async close() {
    try {
      await this.cmd("DELETE", "");
    } finally {
      // Ending the session closes the window it was on; an app with another window open (the
      // admin window) outlives it. It is asked to stop first (it stops its own cluster), then the
      // driver's whole process group goes.
      const dir = this.env.PODOCLINIC_DATA_DIR;
      await stopApps(dir ? `PODOCLINIC_DATA_DIR=${dir}` : `HOME=${this.env.HOME}`);
      await this.onClose?.();
    }
  }
}

/** The app processes whose environment holds `marker` (`NAME=value`). */
function appsWith(marker) {
  const found = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const program = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0")[0] ?? "";
      if (program.endsWith("podoclinic") && readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(marker)) {
        found.push(Number(pid));
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Stops what is left of a test's app: SIGTERM (it stops its own cluster), then SIGKILL. */
async function stopApps(marker) {
  const signal = (pids, sig) => pids.forEach((pid) => { try { process.kill(pid, sig); } catch { /* already gone */ } });
  signal(appsWith(marker), "SIGTERM");
  for (let i = 0; i < 50 && appsWith(marker).length > 0; i++) await sleep(100);
  signal(appsWith(marker), "SIGKILL");
}

/** A PostgreSQL server of the test's own (the clinic's "LAN server"), from the system's binaries:
 * `stop()` and `start()` it under a running desk, `local()` starts it reachable only through its
 * socket (another desk's writes land while this desk still cannot connect). Trust auth on
 * loopback; as root it runs as the `postgres` user. */
export function privateServer() {
  const bin = join("/usr/lib/postgresql", readdirSync("/usr/lib/postgresql").sort().at(-1), "bin");
  const asRoot = process.getuid?.() === 0;
  const root = mkdtempSync(join(tmpdir(), "podoclinic-server-"));
  const run = (argv) => {
    const [cmd, args] = asRoot ? ["runuser", ["-u", "postgres", "--", ...argv]] : [argv[0], argv.slice(1)];
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  };
  if (asRoot) execFileSync("chown", ["postgres:postgres", root]);
  const data = join(root, "data");
  const port = 20_000 + (process.pid % 20_000);
  run([join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]);
  const pgCtl = (tcp) =>
    run([join(bin, "pg_ctl"), "start", "-w", "-s", "-D", data, "-l", join(root, "log"), "-o", `-k ${root} -p ${port} -c listen_addresses='${tcp ? "127.0.0.1" : ""}'`]);
  pgCtl(true);
  const socketUrl = `postgres://postgres@/clinic?host=${encodeURIComponent(root)}&port=${port}`;
  psql(`postgres://postgres@/postgres?host=${encodeURIComponent(root)}&port=${port}`, "CREATE DATABASE clinic");
  const stop = () => run([join(bin, "pg_ctl"), "stop", "-m", "fast", "-w", "-s", "-D", data]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/clinic`,
    socketUrl,
    stop,
    start: () => pgCtl(true),
    local: () => pgCtl(false),
    destroy: () => {
      try {
        stop();
      } catch {
        // already stopped
      }
      execFileSync("rm", ["-rf", root]);
    },
  };
}

/** The X windows now shown whose title holds `title` (xdotool; none: an empty list). */
function shownWindows(title) {
  try {
    return execFileSync("xdotool", ["search", "--onlyvisible", "--name", title], { encoding: "utf8", timeout: 10_000 })
      .split("\n")
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** Answers the system's file dialog (GTK's, outside the webview, so not the driver's) as a person
 * would: waits for the window titled `title`, gives it the keyboard, types `path` into its location
 * bar and presses Enter; until the dialog is gone, typed again (keys sent before the dialog was
 * ready to take them are lost, not queued). Needs xdotool, which sends the keys through the X
 * server to the focused window. */
export async function answerFileDialog(title, path, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let tries = 0;
  for (;;) {
    const [dialog] = shownWindows(title);
    if (dialog) {
      tries += 1;
      execFileSync("xdotool", ["windowfocus", "--sync", dialog], { timeout: 10_000 });
      execFileSync("xdotool", ["key", "--clearmodifiers", "ctrl+l", "ctrl+a"], { timeout: 10_000 });
      execFileSync("xdotool", ["type", "--delay", "10", path], { timeout: 30_000 });
      execFileSync("xdotool", ["key", "Return"], { timeout: 10_000 });
      const typed = Date.now();
      while (shownWindows(title).length > 0 && Date.now() - typed < 5_000) await sleep(200);
      if (shownWindows(title).length === 0) return;
    } else if (tries > 0) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`the file dialog "${title}" ${tries ? `took no path in ${tries} tries` : "never showed"}`);
    }
    await sleep(200);
  }
}

/** Kills the app under test at once (SIGKILL, as a crash or a power cut would) and ends the
 * driver's session with it. */
export async function killApp(app) {
  const pid = execFileSync("pgrep", ["-n", "-f", APP], { encoding: "utf8" }).trim();
  process.kill(Number(pid), "SIGKILL");
  await app.close().catch(() => undefined);
}

/** The embedded cluster a running desk started (the default with nothing configured): where it
 * lives, its server's process, a fast stop, and the test's clean-up (a desk killed by the driver
 * cannot stop it). As root it is the `postgres` user's. */
export function embeddedCluster(app) {
  const root = /local database cluster root=(\S+)/.exec(app.log())?.[1];
  if (!root) throw new Error("the app did not log where its cluster lives");
  const data = join(root, "data");
  const asRoot = process.getuid?.() === 0;
  const asOwner = (argv) => (asRoot ? ["runuser", ["-u", "postgres", "--", ...argv]] : [argv[0], argv.slice(1)]);
  const opts = readFileSync(join(data, "postmaster.opts"), "utf8").trim();
  const postgres = /"([^"]*)"|(\S+)/.exec(opts);
  const pgCtl = join(postgres[1] ?? postgres[2], "..", "pg_ctl");
  return {
    root,
    data,
    /** The server's process id, from its lock file. */
    pid: () => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]),
    stopFast: () => execFileSync(...asOwner([pgCtl, "stop", "-m", "fast", "-w", "-D", data])),
    cleanUp: () => {
      try {
        execFileSync(...asOwner([pgCtl, "stop", "-m", "immediate", "-D", data]), { stdio: "ignore" });
      } catch {
        // already stopped
      }
      execFileSync("rm", ["-rf", root]);
    },
  };
}

/** Checkout's counter sale, up to the charge being put together: `patient` searched and picked,
 * the catalog item matching `item` (a selector of the add-item list's options) added. */
export async function startCounterSale(app, patient, item) {
  await app.click("[data-test=new-sale]");
  await app.type("[data-test=counter-sale] [data-test=patient-search]", patient);
  await app.click("[data-test=counter-sale] [data-test=patient-result]");
  await app.find("[data-test=sale] [data-test=charge-builder]");
  await app.click(`[data-test=add-item] ${item}`);
}
