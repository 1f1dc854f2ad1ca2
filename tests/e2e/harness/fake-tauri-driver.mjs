#!/usr/bin/env node
// A stand-in for tauri-driver that behaves as a crashed one did in CI: it answers the WebDriver
// requests `launch` makes, leaves a child of its own running (as WebKitWebDriver and the app are),
// and ignores SIGTERM. The child's pid goes to the file named by FAKE_DRIVER_CHILD_PID_FILE.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";

const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
const child = spawn("sleep", ["600"], { stdio: "inherit" });
writeFileSync(process.env.FAKE_DRIVER_CHILD_PID_FILE, String(child.pid));
process.on("SIGTERM", () => console.log("fake driver: SIGTERM ignored"));

createServer((req, res) => {
  const answers = { "GET /status": { ready: true }, "POST /session": { sessionId: "s1" }, "DELETE /session/s1": null };
  const key = `${req.method} ${req.url}`;
  res.writeHead(key in answers ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify({ value: key in answers ? answers[key] : { error: "unknown command" } }));
}).listen(port, "127.0.0.1");
