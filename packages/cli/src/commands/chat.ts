import { Command } from "commander";
import { HELP, helpText, KEYS } from "../chat/input.js";
import { UsageError } from "../errors.js";
import { dataOption, parseCount } from "../paths.js";

export interface ChatFlags {
  name: string;
  data: string;
  node?: string;
  cluster: number;
  /** Invites from new contacts wait as message requests (/requests) instead of starting conversations. */
  requests?: boolean;
}

/** `parley chat`: the interactive terminal chat (ink). */
export function chatCommand(): Command {
  return new Command("chat")
    .summary("interactive end-to-end encrypted chat in the terminal")
    .description(
      "Open profile NAME (created on first use in DATA/NAME.db) and chat through a Waku node. At start it connects to the node, fetches from the node's Store what arrived while you were away, and shows your conversations with unread counts. Your messages show their delivery state live: … queued, ✓ sent, ✓? possibly acked, ✓✓ acked (the peer has it), ✗ lost (given up after the retry bound).",
    )
    .requiredOption("--name <name>", "profile name (letters, digits, _ - .)")
    .addOption(dataOption("data directory holding the profiles"))
    .option("--node <multiaddr>", "the node to use (default: the one `parley node --data DIR` is running)")
    .option("--cluster <n>", "Waku cluster id (must match the node)", (v) => parseCount("cluster", v), 42)
    .option(
      "--requests",
      "ask before talking with new contacts: their invites wait as message requests (/requests, /accept N, /refuse N)",
    )
    .addHelpText(
      "after",
      `
In the chat:
${helpText(HELP)}

Keys:
${helpText(KEYS)}

Examples:
  $ parley node &                                  # or in another terminal
  $ parley chat --name alice
  $ parley chat --name bob --data /tmp/p --node /ip4/127.0.0.1/tcp/60000/p2p/12D3KooW...`,
    )
    .action(async (flags: ChatFlags) => {
      if (flags.node !== undefined) await checkNodeAddress(flags.node);
      const { runChat } = await import("../chat/run.js");
      process.exitCode = await runChat(flags);
    });
}

/** A malformed --node is a usage error said in one line, before anything starts. */
async function checkNodeAddress(addr: string): Promise<void> {
  const { parsePeerAddress } = await import("@parley/waku");
  try {
    parsePeerAddress(addr);
  } catch (err) {
    throw new UsageError(`invalid --node: ${(err as Error).message}`, err);
  }
}
