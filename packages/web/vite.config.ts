import { defineConfig } from "vite";

/**
 * The page is plain ES modules from the workspace packages (their built `dist`), bundled for browsers:
 * `browser` export conditions pick libp2p's browser files, preact renders the JSX.
 */
export default defineConfig({
  base: "./",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    target: "es2022",
    outDir: "dist/page",
    emptyOutDir: true,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 2048,
  },
});
