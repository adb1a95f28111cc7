import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { Option } from "commander";
import { UsageError } from "./errors.js";

/**
 * Where the parley command keeps its state. One data directory holds every local profile (one SQLite file
 * per name) and the node's directory, so `parley chat` can find a node started with the same `--data`.
 */
export function defaultDataDir(): string {
  return process.env.PARLEY_HOME ? resolve(process.env.PARLEY_HOME) : join(homedir(), ".parley");
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

export { UsageError } from "./errors.js";

/** A profile name becomes a file name: keep it to a safe, portable alphabet. */
export function checkName(name: string): string {
  if (!NAME.test(name) || name.includes(".."))
    throw new UsageError(`invalid --name "${name}": use 1-32 letters, digits, "_", "-" or "." (not leading)`);
  return name;
}

/** The SQLite file of a profile: identity, bundle keys, conversations and their history. */
export function profilePath(dataDir: string, name: string): string {
  return join(dataDir, `${checkName(name)}.db`);
}

/** The node's own directory (peer key and Store archive). */
export function nodeDir(dataDir: string): string {
  return join(dataDir, "node");
}

/** Written by `parley node` while it runs: its multiaddrs, one a line, for `parley chat` without `--node`. */
export function nodeAddressFile(dataDir: string): string {
  return join(nodeDir(dataDir), "multiaddrs");
}

export function parsePort(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be a port number (0-65535)`);
  return n;
}

export function parseCount(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer`);
  return n;
}

/** The `--data` option every command shares, with its default shown as the user would write it. */
export function dataOption(what: string): Option {
  return new Option("--data <dir>", what).default(defaultDataDir(), "$PARLEY_HOME or ~/.parley");
}
