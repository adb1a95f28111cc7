/**
 * What the `parley` command says when something goes wrong: one line on stderr that names the cause and what
 * to do, and a non-zero exit code. A stack trace only with --debug or PARLEY_DEBUG=1.
 *
 * Typed errors from the packages are recognised by their `name` and `code` (ParleyError), not by `instanceof`,
 * so this module loads none of them and `--help` stays instant.
 */

/** An error whose message is already the one line the user should read. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The error this one explains: its stack is what --debug shows. */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** Wrong usage (options, names): exit 2, as commander does for its own usage errors. */
export class UsageError extends CliError {
  constructor(message: string, cause?: unknown) {
    super(message, 2, cause);
  }
}

interface Holder {
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

interface Coded {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly holder?: Holder;
  readonly inThisProcess?: boolean;
}

function coded(err: unknown): Coded | undefined {
  const e = err as Partial<Coded> | null;
  return err instanceof Error && typeof e?.code === "string" ? (err as unknown as Coded) : undefined;
}

/** How this process describes itself to a second `parley` refused on the same profile or node directory. */
export function commandLine(): string {
  return ["parley", ...process.argv.slice(2)].join(" ");
}

/** "process 4242 (parley chat --name alice, since …)", or a vaguer phrase when the holder left no record. */
function holderPhrase(e: Coded): string {
  if (e.inThisProcess) return "this same process";
  if (!e.holder) return "another process (it left no record of which)";
  return `process ${e.holder.pid} (${e.holder.command}, since ${e.holder.since})`;
}

/**
 * A profile's store failed to open: the one line for it. `what` names the profile, e.g.
 * `profile "alice" (/home/a/.parley/alice.db)`.
 */
export function profileOpenError(err: unknown, what: string): unknown {
  const e = coded(err);
  if (!e || (e.name !== "SqliteStoreError" && e.name !== "StoreLockedError")) return err;
  switch (e.code) {
    case "locked":
      return new CliError(
        `${what} is already open in ${holderPhrase(e)}. One process at a time may use a profile: close that one first, or use another --name.`,
        1,
        err,
      );
    case "wrong-key":
      return new CliError(
        `PARLEY_STORE_KEY does not open ${what}: it was encrypted with another key. Set PARLEY_STORE_KEY to the key it was created with.`,
        1,
        err,
      );
    case "key-required":
      return new CliError(
        `${what} is encrypted and PARLEY_STORE_KEY is not set. Set PARLEY_STORE_KEY to its key (or it is not a Parley profile at all).`,
        1,
        err,
      );
    case "not-encrypted":
      return new CliError(
        `${what} is not encrypted, but PARLEY_STORE_KEY is set. Unset PARLEY_STORE_KEY to open it (a profile created without a key stays unencrypted).`,
        1,
        err,
      );
    case "newer-schema":
      return new CliError(`${what} was written by a newer Parley: upgrade parley to open it.`, 1, err);
    case "foreign-database":
      return new CliError(
        `${what} is an SQLite file that Parley did not create: move it away, or use another --name or --data.`,
        1,
        err,
      );
    case "corrupt":
      return new CliError(`${what} is damaged (SQLite reports corruption): restore it from a backup.`, 1, err);
    case "disk-full":
      return new CliError(`${what} cannot be written: the disk is full.`, 1, err);
    case "cannot-open":
    case "readonly":
      return new CliError(`cannot open ${what}: ${e.message}. Check that --data is a writable directory.`, 1, err);
    default:
      return err;
  }
}

/** The node's data directory failed to lock, or the node failed to start: the one line for it. */
export function nodeStartError(err: unknown, dataDir: string): unknown {
  const e = coded(err);
  if (!e) return err;
  if (e.code === "locked") {
    return new CliError(
      `the node data directory ${dataDir} is already in use by ${holderPhrase(e)}. One node per --data: stop that one first, or give this one another --data.`,
      1,
      err,
    );
  }
  if (e.code === "listen-failed") {
    return new CliError(
      `${e.message}. Is another parley node running? Choose free ports with --port and --ws-port (0 = any free port, --ws-port off = no WebSocket).`,
      1,
      err,
    );
  }
  if (e.code === "invalid-address") return new UsageError(`invalid --peer: ${e.message}`, err);
  if (e.code === "invalid-config") return new UsageError(e.message, err);
  return profileOpenError(err, `the node's archive in ${dataDir}`);
}

/** A failure to create or use the data directory (`--data`), from the file system. */
export function dataDirError(err: unknown, dir: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const why: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOTDIR: "a part of the path is a file, not a directory",
    EEXIST: "a file of that name is in the way",
    EROFS: "the file system is read-only",
    ENOSPC: "the disk is full",
  };
  if (code && why[code])
    return new CliError(`cannot use --data ${dir}: ${why[code]}. Choose a writable directory.`, 1, err);
  return err;
}

/**
 * The last line of defence in main: a CliError as it is; a typed ParleyError as "code: message"; anything
 * else (a bug) as its message with a hint. Returns the text (without stack unless `debug`) and the exit code.
 */
export function describe(err: unknown, debug: boolean): { text: string; exitCode: number } {
  const traced = err instanceof CliError && err.cause !== undefined ? err.cause : err;
  const stack = debug && traced instanceof Error && traced.stack ? `\n${traced.stack}` : "";
  if (err instanceof CliError) return { text: `${err.message}${stack}`, exitCode: err.exitCode };
  const e = coded(err);
  const hint = debug ? "" : " (PARLEY_DEBUG=1 or --debug shows the stack trace)";
  if (e) return { text: `${e.code}: ${oneLine(e.message)}${hint}${stack}`, exitCode: 1 };
  const message = err instanceof Error ? err.message : String(err);
  return { text: `${oneLine(message)}${hint}${stack}`, exitCode: 1 };
}

function oneLine(s: string): string {
  const first = s.split("\n").find((l) => l.trim() !== "") ?? s;
  return first.trim();
}
