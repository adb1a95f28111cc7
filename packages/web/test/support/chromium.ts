/**
 * Where the tests find Chromium: Debian's package (`apt-get install chromium`; .ci/run installs it), or
 * PARLEY_CHROMIUM. Nothing is downloaded. A missing browser fails the tests with this message, never skips.
 */
import { existsSync } from "node:fs";

export function chromiumPath(): string {
  const path = process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(path))
    throw new Error(
      `Chromium not found at ${path}: install Debian's package (apt-get install chromium) or set PARLEY_CHROMIUM. The browser tests do not skip.`,
    );
  return path;
}

/**
 * Flags for headless Chromium on a closed network, as root: no sandbox (root), no background traffic
 * (every connection outside loopback is refused here), no first-run UI.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];
