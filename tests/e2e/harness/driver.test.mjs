// The WebDriver helper itself, against a small fake driver on loopback: the driver's transient
// answers are retried until the wait's deadline, and a request the driver never answers fails its
// step by its own timeout, naming the step and what the window showed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync } from "node:fs";
import { DriverTimeout, Session, eventually, isTransient } from "../driver.mjs";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
// A 1×1 PNG, what the fake answers for a screenshot.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

/** A fake WebDriver: `routes["METHOD /path"]` answers a request (after `/session/s1`); a route that
 * returns `"hang"` never answers. Counts the requests per route. */
async function fakeDriver(t, routes) {
  const hits = {};
  const server = createServer((req, res) => {
    const key = `${req.method} ${req.url.replace("/session/s1", "")}`;
    hits[key] = (hits[key] ?? 0) + 1;
    const route = routes[key] ?? (() => ({ status: 404, value: { error: "unknown command", message: key } }));
    const answer = route(hits[key]);
    if (answer === "hang") return;
    res.writeHead(answer.status ?? 200, { "content-type": "application/json" });
    res.end(JSON.stringify({ value: answer.value ?? null }));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { base: `http://127.0.0.1:${server.address().port}`, hits };
}

const stale = { status: 404, value: { error: "stale element reference", message: "The element is no longer attached" } };
const screen = {
  "POST /execute/sync": () => ({ value: "Agenda de hoy" }),
  "GET /screenshot": () => ({ value: PNG }),
};

test("a stale element answer to a lookup is retried until the element is found", async (t) => {
  const driver = await fakeDriver(t, {
    ...screen,
    "POST /element": (n) => (n <= 3 ? stale : { value: { [ELEMENT]: "e1" } }),
    "GET /element/e1/displayed": () => ({ value: true }),
    "POST /element/e1/click": () => ({ value: null }),
  });
  const app = new Session(driver.base, "s1", {}, { requestTimeoutMs: 2_000 });
  await app.click("[data-test=save]");
  assert.equal(driver.hits["POST /element"], 4, "three stale answers, then the element");
  assert.equal(driver.hits["POST /element/e1/click"], 1);
});

test("a click answered stale looks the element up again and clicks the new one", async (t) => {
  const driver = await fakeDriver(t, {
    ...screen,
    "POST /element": (n) => ({ value: { [ELEMENT]: `e${n}` } }),
    "GET /element/e1/displayed": () => ({ value: true }),
    "GET /element/e2/displayed": () => ({ value: true }),
    "POST /element/e1/click": () => stale,
    "POST /element/e2/click": () => ({ value: null }),
  });
  const app = new Session(driver.base, "s1", {}, { requestTimeoutMs: 2_000 });
  await app.click("[data-test=pick]");
  assert.equal(driver.hits["POST /element/e2/click"], 1);
});

test("stale answers until the wait's deadline fail the step, naming it and the screen", async (t) => {
  const driver = await fakeDriver(t, { ...screen, "POST /element": () => stale });
  const app = new Session(driver.base, "s1", {}, { requestTimeoutMs: 2_000 });
  await assert.rejects(app.find("[data-test=lock-form]", 600), (e) => {
    assert.match(e.message, /^find \[data-test=lock-form\]: not done after 600 ms/);
    assert.match(e.message, /stale element reference/);
    assert.match(e.message, /the page showed: "Agenda de hoy" \(screenshot (\S+)\)/);
    assert.ok(existsSync(/\(screenshot (\S+)\)/.exec(e.message)[1]), "the screenshot is on disk");
    return true;
  });
  assert.ok(driver.hits["POST /element"] > 1, "retried");
});

test("a request the driver never answers fails its step by its own timeout", async (t) => {
  const driver = await fakeDriver(t, {
    ...screen,
    "POST /element": () => ({ value: { [ELEMENT]: "e1" } }),
    "GET /element/e1/displayed": () => ({ value: true }),
    "POST /element/e1/click": () => "hang",
  });
  const app = new Session(driver.base, "s1", {}, { requestTimeoutMs: 300 });
  const started = Date.now();
  await assert.rejects(app.click("[data-test=save-visit]", 60_000), (e) => {
    assert.ok(e.cause instanceof DriverTimeout, `a timeout, not ${e.cause}`);
    assert.match(e.message, /^click \[data-test=save-visit\] failed after \d+ ms: POST \/session\/s1\/element\/e1\/click did not answer within 300 ms/);
    assert.match(e.message, /the page showed: "Agenda de hoy"/);
    return true;
  });
  // Well before the step's 60 s wait, and never retried: a hung driver stays hung.
  assert.ok(Date.now() - started < 10_000, `failed after ${Date.now() - started} ms`);
  assert.equal(driver.hits["POST /element/e1/click"], 1);
});

test("a driver hung for good still fails the step, with the display's screenshot if it can", async (t) => {
  const driver = await fakeDriver(t, { "POST /element": () => "hang", "POST /execute/sync": () => "hang", "GET /screenshot": () => "hang" });
  const app = new Session(driver.base, "s1", {}, { requestTimeoutMs: 300 });
  await assert.rejects(app.text("[data-test=booked]"), /read the text of \[data-test=booked\] failed after \d+ ms: .*did not answer within 300 ms; the page showed: \(the driver gave no text/);
});

test("an answer that is not transient fails at once", async (t) => {
  const driver = await fakeDriver(t, { ...screen, "POST /element": () => ({ status: 400, value: { error: "invalid selector", message: "bad" } }) });
  const app = new Session(driver.base, "s1", {}, { requestTimeoutMs: 2_000 });
  const started = Date.now();
  await assert.rejects(app.find("[data-test=", 30_000), /find \[data-test= failed after \d+ ms: .*invalid selector/);
  assert.equal(driver.hits["POST /element"], 1);
  assert.ok(Date.now() - started < 10_000);
});

test("gone asks the page, and waits through a banner that is still leaving", async (t) => {
  const driver = await fakeDriver(t, {
    ...screen,
    "POST /execute/sync": (n) => ({ value: n <= 2 }),
  });
  const app = new Session(driver.base, "s1", {}, { requestTimeoutMs: 2_000 });
  await app.gone("[data-test=offline-banner]", 5_000);
  assert.equal(driver.hits["POST /execute/sync"], 3);
  assert.equal(driver.hits["POST /elements"], undefined, "no element references held");
});

test("eventually counts a transient driver answer as not yet, and fails at once on any other", async (t) => {
  const driver = await fakeDriver(t, { ...screen, "POST /element": (n) => (n <= 2 ? stale : { value: { [ELEMENT]: "e1" } }) });
  const app = new Session(driver.base, "s1", {}, { requestTimeoutMs: 2_000 });
  // A bare request, no retry of its own: the stale answers reach `eventually`.
  const lookup = () => app.cmd("POST", "/element", { using: "css selector", value: "[data-test=reminder-state]" });
  assert.deepEqual(await eventually(lookup, "the row's state"), { [ELEMENT]: "e1" });
  assert.equal(driver.hits["POST /element"], 3);
  assert.equal(isTransient(new Error("stale element reference")), false, "only the driver's own answers");
  let calls = 0;
  await assert.rejects(eventually(() => { calls++; throw new TypeError("a bug in the check"); }, "anything"), TypeError);
  assert.equal(calls, 1);
});

test("textIs waits for the text an action leads to, and names what it last saw when it never comes", async (t) => {
  const driver = await fakeDriver(t, {
    ...screen,
    "POST /element": (n) => ({ value: { [ELEMENT]: n === 2 ? "gone" : "e1" } }),
    "GET /element/e1/displayed": () => ({ value: true }),
    "GET /element/gone/displayed": () => stale,
    "GET /element/e1/text": (n) => ({ value: n <= 2 ? "Agendada" : "En espera" }),
  });
  const app = new Session(driver.base, "s1", {}, { requestTimeoutMs: 2_000 });
  assert.equal(await app.textIs("[data-test=details-status]", "En espera"), "En espera");
  assert.equal(driver.hits["GET /element/e1/text"], 3, "read again until the status showed");
  assert.equal(await app.textIs("[data-test=details-status]", /espera/), "En espera");
  await assert.rejects(
    app.textIs("[data-test=details-status]", "Atendida", 600),
    /wait for \[data-test=details-status\] to read Atendida: not done after 600 ms \(last: .* reads "En espera"\); the page showed: "Agenda de hoy"/,
  );
});
