/**
 * The account commands in real `parley chat` processes (tmux) through a real `parley node` (docs/ACCOUNTS.md §1,
 * §4, §5): Alice creates an account, her laptop shows a link code, she types it with /link, both screens show the
 * same six words, she confirms; both list two devices; Carol (an account of her own) starts a conversation from
 * Alice's address and all three read each other; Alice revokes the laptop and lists one. Every wait is on
 * screen text, bounded generously (the machine is shared).
 */
import { TEST_CAP_MS } from "@parley/test-support/patience";
import { removeTempDirs, tempDir } from "@parley/test-support/temp";
import { afterEach, describe, expect, it } from "vitest";
import { hasTmux, killAll, runCli, startNode } from "../helpers/cli.js";
import { Tmux } from "../helpers/tmux.js";

const tmuxPresent = hasTmux();
if (!tmuxPresent) console.warn("SKIPPED: the parley chat account test needs the tmux binary, which is not installed");

const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) c();
  await killAll();
  removeTempDirs();
});

/** The screen as one line: wrapped notices and panel rows joined back, box borders gone. */
const flat = (screen: string) => screen.replace(/[│─╭╮╰╯]/g, " ").replace(/\s+/g, " ");
const WORDS = /Are they these\? ((?:[a-z]+ ){5}[a-z]+)/;

/**
 * Types a line longer than the screen is wide, then Enter: its end is looked for with the input's row breaks
 * taken out (Tmux.type looks at the last row only).
 */
async function typeLong(tmux: Tmux, name: string, text: string): Promise<void> {
  tmux.keys(name, "-l", text);
  const tail = [...text.replace(/\s/g, "").slice(-24)].map((c) => (c === "-" ? "\\-" : c));
  await tmux.waitFor(name, new RegExp(`${tail.join("\\s*")}\\s*$`));
  tmux.keys(name, "Enter");
}

/** A `{ raw }` panel line starting with `prefix`, cut at the terminal's width: its rows joined back. */
function rawFrom(screen: string, prefix: string): string | undefined {
  const rows = screen.split("\n").map((r) => r.replace(/[│\s]/g, ""));
  const first = rows.findIndex((r) => r.startsWith(prefix));
  if (first < 0) return undefined;
  let end = first + 1;
  while (end < rows.length && /^[A-Za-z0-9_-]+$/.test(rows[end]!)) end++;
  return rows.slice(first, end).join("");
}

describe.skipIf(!tmuxPresent)("parley chat account commands driven in tmux", () => {
  it(
    "/account creates an account; /linkcode, /link and the same six words on both; /confirm; /devices shows 2 on both; Carol's account talks with both devices through /new <address>; /revoke; /devices shows 1",
    async () => {
      const data = tempDir("parley-cli-account-tmux-");
      const { node, addr } = await startNode(data);
      const tmux = new Tmux();
      cleanups.push(() => tmux.kill());
      // Alice's profile exists before her chat starts (Carol never sees her bundle: she reaches her address).
      await runCli(["intro", "--name", "alice", "--data", data]);
      const chat = (name: string) => ["chat", "--name", name, "--data", data, "--node", addr];
      for (const who of ["alice", "laptop", "carol"]) tmux.start(who, chat(who));
      for (const who of ["alice", "laptop", "carol"]) await tmux.waitFor(who, /connected; fetched \d+ message/);

      // Alice's first device becomes the primary of a new account; the recovery code shows once.
      await tmux.type("alice", "/account");
      await tmux.waitFor("alice", /Type \/account again to create one/);
      await tmux.type("alice", "/account");
      const created = await tmux.waitFor("alice", /RECOVERY CODE, shown this once/);
      expect(created).toMatch(/[0-9A-Z]{4}(-[0-9A-Z]{4}){13}/);
      tmux.keys("alice", "Escape");

      // The laptop shows its link code; Alice types it (as copied off the screen, whole).
      await tmux.type("laptop", "/linkcode");
      const shown = await tmux.waitFor("laptop", /link code of this device/);
      const code = /parley_link_1_[A-Za-z0-9_-]{176}/.exec(shown.replace(/[│\s]/g, ""))?.[0];
      expect(code, shown).toBeDefined();
      await typeLong(tmux, "alice", `/link ${code}`);
      const primary = WORDS.exec(flat(await tmux.waitFor("alice", /Are they these\?/)))?.[1];
      expect(primary).toBeDefined();
      const second = WORDS.exec(flat(await tmux.waitFor("laptop", /Are they these\?/)))?.[1];
      expect(second).toBe(primary);

      // Confirmed on the primary: the laptop adopts the account's list.
      await tmux.type("alice", "/confirm laptop");
      await tmux.waitFor("alice", /"laptop" linked/);
      await tmux.waitFor("laptop", /linked to account [0-9a-f]{16}…/);
      await tmux.type("laptop", "/devices");
      const onLaptop = await tmux.waitFor("laptop", /account [0-9a-f]{16}…: 2 device\(s\)/);
      expect(onLaptop).toMatch(/\d\. laptop {2}key [0-9a-f]{16}… {2}added .* \(this device\)/);
      expect(onLaptop).toMatch(/\d\. alice {2}key [0-9a-f]{16}… {2}added /);
      await tmux.type("alice", "/devices");
      const onAlice = await tmux.waitFor("alice", /account [0-9a-f]{16}…: 2 device\(s\)/);
      expect(onAlice).toMatch(/\d\. alice {2}key .* \(this device\)/);
      const n = /(\d)\. laptop {2}key/.exec(onAlice)?.[1];
      expect(n).toBeDefined();

      // Carol, an account of her own, talks with Alice's account from its address alone (no 1:1 before): both of
      // Alice's devices read her, she reads both.
      await tmux.type("carol", "/account");
      await tmux.waitFor("carol", /Type \/account again/);
      await tmux.type("carol", "/account");
      await tmux.waitFor("carol", /RECOVERY CODE/);
      await tmux.type("alice", "/address");
      const address = rawFrom(await tmux.waitFor("alice", /my account address/), "parley_account_1_");
      expect(address).toBeDefined();
      await typeLong(tmux, "carol", `/new ${address}`);
      await tmux.waitFor("carol", /conversation with that account started/);
      for (const who of ["laptop", "alice"]) {
        await tmux.waitFor(who, /conversations:.*\d account/);
        await tmux.type(who, "/list");
        const k = /(\d+)\. group "account"/.exec(await tmux.waitFor(who, /\d+\. group "account"/))?.[1];
        await tmux.type(who, `/switch ${k}`);
      }
      await tmux.type("laptop", "from the laptop");
      await tmux.waitFor("carol", /: from the laptop/);
      await tmux.waitFor("alice", /: from the laptop/);
      await tmux.type("carol", "hello both of you");
      await tmux.waitFor("alice", /: hello both of you/);
      await tmux.waitFor("laptop", /: hello both of you/);
      await tmux.type("alice", "from the primary");
      await tmux.waitFor("carol", /: from the primary/);
      await tmux.waitFor("laptop", /: from the primary/);

      // Revoking asks first; the repetition removes it from the account's list.
      await tmux.type("alice", `/revoke ${n}`);
      await tmux.waitFor("alice", new RegExp(`Type /revoke ${n} again to confirm`));
      await tmux.type("alice", `/revoke ${n}`);
      await tmux.waitFor("alice", /"laptop" revoked/);
      await tmux.type("alice", "/devices");
      const after = await tmux.waitFor("alice", /account [0-9a-f]{16}…: 1 device\(s\)/);
      expect(after).not.toMatch(/\d\. laptop {2}key/);

      for (const who of ["alice", "laptop", "carol"]) await tmux.type(who, "/quit");
      for (const who of ["alice", "laptop", "carol"]) await tmux.waitFor(who, /EXITED 0/);
      expect(await node.stop()).toBe(0);
    },
    TEST_CAP_MS,
  );
});
