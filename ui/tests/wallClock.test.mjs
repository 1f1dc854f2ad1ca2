// The calendar's conversions across a change of clock (issue 17), in a zone that changes it:
// America/Tijuana springs forward on 2026-03-08 at 02:00 and falls back on 2026-11-01 at 02:00.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadTs } from "./ts.mjs";

const { instantIn, wallIn, endAfter } = await loadTs("wallClock.ts");

const ZONE = "America/Tijuana";
const wall = (text) => new Date(`${text}Z`);

test("an ordinary time converts both ways", () => {
  assert.deepEqual(instantIn(wall("2026-12-02T09:00:00"), ZONE), { iso: "2026-12-02T17:00:00.000Z", moved: false });
  assert.equal(wallIn("2026-12-02T17:00:00.000Z", ZONE).toISOString(), "2026-12-02T09:00:00.000Z");
  assert.deepEqual(instantIn(wall("2026-07-01T09:00:00"), ZONE), { iso: "2026-07-01T16:00:00.000Z", moved: false });
});

test("a time the clock skips is moved forward past the jump, and says so", () => {
  // 02:30 does not exist on 2026-03-08: the clock goes from 01:59 PST to 03:00 PDT.
  assert.deepEqual(instantIn(wall("2026-03-08T02:30:00"), ZONE), { iso: "2026-03-08T10:30:00.000Z", moved: true });
  assert.equal(wallIn("2026-03-08T10:30:00.000Z", ZONE).toISOString(), "2026-03-08T03:30:00.000Z");
  // Either side of the gap stays put.
  assert.deepEqual(instantIn(wall("2026-03-08T01:30:00"), ZONE), { iso: "2026-03-08T09:30:00.000Z", moved: false });
  assert.deepEqual(instantIn(wall("2026-03-08T03:00:00"), ZONE), { iso: "2026-03-08T10:00:00.000Z", moved: false });
});

test("an hour booked across the jump lasts an hour, not zero", () => {
  const start = instantIn(wall("2026-03-08T01:30:00"), ZONE).iso;
  const end = endAfter(start, wall("2026-03-08T01:30:00"), wall("2026-03-08T02:30:00"));
  assert.equal((new Date(end) - new Date(start)) / 60_000, 60);
  assert.equal(wallIn(end, ZONE).toISOString(), "2026-03-08T03:30:00.000Z");
});

test("a time the clock shows twice is its first occurrence, and an hour stays an hour", () => {
  // 01:30 happens at 08:30 UTC (PDT) and again at 09:30 UTC (PST) on 2026-11-01.
  const start = instantIn(wall("2026-11-01T01:30:00"), ZONE);
  assert.deepEqual(start, { iso: "2026-11-01T08:30:00.000Z", moved: false });
  const end = endAfter(start.iso, wall("2026-11-01T01:30:00"), wall("2026-11-01T02:30:00"));
  assert.equal((new Date(end) - new Date(start.iso)) / 60_000, 60);
  // A zone east of UTC (Madrid falls back at 03:00 CEST): still the first of the two.
  assert.deepEqual(instantIn(wall("2026-10-25T02:30:00"), "Europe/Madrid"), { iso: "2026-10-25T00:30:00.000Z", moved: false });
  assert.deepEqual(instantIn(wall("2026-03-29T02:30:00"), "Europe/Madrid"), { iso: "2026-03-29T01:30:00.000Z", moved: true });
});
