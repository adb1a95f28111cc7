#!/usr/bin/env node
/**
 * The `parley` command. Each subcommand lives in its own file under ./commands and loads its heavy
 * dependencies (libp2p, SQLite, ink) only when it runs, so `--help` stays instant.
 */
import { Command } from "commander";
import pc from "picocolors";
import { benchCommand } from "./commands/bench.js";
import { chatCommand } from "./commands/chat.js";
import { demoCommand } from "./commands/demo.js";
import { introCommand } from "./commands/intro.js";
import { nodeCommand } from "./commands/node.js";
import { webCommand } from "./commands/web.js";
import { describe } from "./errors.js";

const program = new Command()
  .name("parley")
  .description(
    "Parley: end-to-end encrypted chat with the Conversations protocol (Logos chat) over Waku.\n\n" +
      "Start with `parley demo`: it runs a node and two users on loopback and narrates what happens. For a real chat, run `parley node` once, then `parley chat --name <you>` in as many terminals as you like.",
  )
  .version("0.1.0")
  .showHelpAfterError("(add --help for usage)");

program.addCommand(demoCommand());
program.addCommand(nodeCommand());
program.addCommand(introCommand());
program.addCommand(chatCommand());
program.addCommand(webCommand());
program.addCommand(benchCommand());
program.addHelpText(
  "after",
  `
Data: profiles and the node's state live in --data DIR (default $PARLEY_HOME or ~/.parley):
  DIR/<name>.db      one SQLite file per profile (identity, bundle keys, conversations, history)
  DIR/node/          the node's peer key, Store archive and current multiaddrs
Set PARLEY_STORE_KEY to encrypt profile files at rest.
Errors are one line on stderr; --debug (anywhere on the line) or PARLEY_DEBUG=1 adds the stack trace.

Examples:
  $ parley demo                                   # the scripted tour, on loopback, ~15 s
  $ parley node                                   # terminal 1: a service node on 127.0.0.1:60000
  $ parley chat --name alice                      # terminal 2
  $ parley chat --name bob                        # terminal 3; /me shows bob's bundle, alice types /new <bundle> hi
  $ parley intro --name bob                       # print bob's intro bundle (to hand to someone)`,
);

// --debug may stand anywhere on the line, so it is taken out before commander sees the subcommand's options.
const debug = process.argv.includes("--debug") || process.env.PARLEY_DEBUG === "1";
const argv = process.argv.filter((a) => a !== "--debug");

try {
  await program.parseAsync(argv);
} catch (err) {
  const { text, exitCode } = describe(err, debug);
  process.stderr.write(`${pc.red("error:")} ${text}\n`);
  process.exit(exitCode);
}
// libp2p and timers may keep the loop alive after a command finished its work: end here.
process.exit(process.exitCode ?? 0);
