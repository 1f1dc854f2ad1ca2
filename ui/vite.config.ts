import { defineConfig } from "vite";

// Tauri serves the built files; the dev server port is fixed because tauri.conf.json names it.
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { target: "safari15", outDir: "dist", emptyOutDir: true },
});
