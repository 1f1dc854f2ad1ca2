// Idle lock on the UI side: activity is reported to Rust (which enforces the limit for every
// command) at most every 30 s, and the lock screen shows as soon as the limit passes.
import { call, commands, session } from "./api";

const REPORT_EVERY_MS = 30_000;
let lastActivity = Date.now();
let lastReport = 0;

function onActivity(): void {
  lastActivity = Date.now();
  const s = session.get();
  if (!s || s.locked || lastActivity - lastReport < REPORT_EVERY_MS) return;
  lastReport = lastActivity;
  call(commands.keepAlive()).then((info) => session.set(info), () => undefined);
}

export function startIdleWatch(): void {
  for (const type of ["keydown", "mousedown", "wheel", "touchstart"] as const) {
    window.addEventListener(type, onActivity, { passive: true, capture: true });
  }
  window.setInterval(() => {
    const s = session.get();
    if (!s || s.locked) return;
    if (Date.now() - lastActivity >= s.idleLockMinutes * 60_000) {
      session.set({ ...s, locked: true });
      void call(commands.lockSession()).catch(() => undefined);
    }
  }, 5_000);
}
