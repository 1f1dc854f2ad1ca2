// A signing pad (signature_pad: pointer, touch and pen, with the stroke smoothed), and the strokes
// as the app keeps them. Used by the consent letters' signing view and by the patient's express
// consent to the handling of their health data.
import { useEffect, useRef } from "preact/hooks";
import SignaturePad from "signature_pad";
import type { Ink } from "../bindings";
import { t } from "../i18n";

/** What a pad on screen offers: its strokes (null while empty), and clearing it. */
export type PadHandle = { read: () => Ink | null; clear: () => void };

/** A pad's strokes as they are kept: points inside the pad (a stroke that ran over its edge is
 * held at the edge), with the milliseconds since the pad's first point. */
function inkOf(pad: SignaturePad, canvas: HTMLCanvasElement): Ink {
  const width = canvas.offsetWidth;
  const height = canvas.offsetHeight;
  const groups = pad.toData();
  const start = groups[0]?.points[0]?.time ?? 0;
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return {
    width,
    height,
    strokes: groups.map((g) => g.points.map((p) => ({ x: clamp(p.x, width), y: clamp(p.y, height), t: Math.max(0, Math.round(p.time - start)) }))),
  };
}

/** One signing pad: a canvas sized to its box at the screen's pixel ratio, and a way to clear it.
 * `onPad` receives its handle once it is drawn. */
export function Pad(p: { label: string; test: string; onPad: (pad: PadHandle) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const own = useRef<PadHandle | null>(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    c.width = c.offsetWidth * ratio;
    c.height = c.offsetHeight * ratio;
    c.getContext("2d")?.scale(ratio, ratio);
    const pad = new SignaturePad(c, { minWidth: 0.8, maxWidth: 2.6, penColor: "#111" });
    own.current = { read: () => (pad.isEmpty() ? null : inkOf(pad, c)), clear: () => pad.clear() };
    p.onPad(own.current);
    return () => pad.off();
  }, []);
  return (
    <div class="pad">
      <span>{p.label}</span>
      <canvas ref={canvas} class="signature-pad" data-test={p.test} />
      <button type="button" class="secondary" data-test={`${p.test}-clear`} onClick={() => own.current?.clear()}>
        {t("consents.clear")}
      </button>
    </div>
  );
}
