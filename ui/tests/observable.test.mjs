// The shared state's hook in a real Preact render (issue 29): a value set between a component's
// first render and its subscription (the database's "online" event arriving while the window
// starts) is shown, not lost until the next change.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHTML } from "linkedom";
import { loadTs } from "./ts.mjs";

const { document } = parseHTML("<!doctype html><html><body><div id=app></div></body></html>");
globalThis.document = document;
const { h, render } = await import("preact");
const { observable, useObserved } = await loadTs("observable.ts");

/** Lets Preact run its effects (after the next frame: 35 ms without one) and re-render. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 120));

function mount(status) {
  const root = document.getElementById("app");
  render(null, root);
  render(h(() => h("p", null, useObserved(status))), root);
  return root;
}

test("a change between the first render and the subscription is shown", async () => {
  const status = observable("starting");
  const root = mount(status);
  assert.equal(root.textContent, "starting");
  status.set("online");
  await settle();
  assert.equal(root.textContent, "online");
});

test("later changes are shown, and an unmounted component stops listening", async () => {
  const status = observable("starting");
  let listening = 0;
  const subscribe = status.subscribe;
  status.subscribe = (listener) => {
    listening++;
    const stop = subscribe(listener);
    return () => {
      listening--;
      stop();
    };
  };
  const root = mount(status);
  await settle();
  assert.equal(listening, 1);
  status.set("offline");
  await settle();
  assert.equal(root.textContent, "offline");
  render(null, root);
  await settle();
  assert.equal(listening, 0);
});
