/**
 * The account commands (docs/ACCOUNTS.md §1): each is one call of `client.account` through the session, and
 * what the screen shows of it. Creating an account and revoking a device ask first (typed again to confirm).
 */
import type { AccountCommand } from "./account-input.js";
import { LINK_NOTICE } from "./account-session.js";
import { ask, type CommandContext, say } from "./command-context.js";
import { addConversation, type ChatModel, clearNotice, notice, setNotice } from "./model.js";
import { time } from "./rows.js";
import type { ChatAccountInfo, ChatDevice } from "./session.js";
import type { Panel } from "./view.js";

const NO_ACCOUNT =
  "this device belongs to no account: /account makes it the primary of a new one, /linkcode links it to yours";

export async function accountCommand(ctx: CommandContext, cmd: AccountCommand): Promise<void> {
  const account = ctx.session.account;
  switch (cmd.kind) {
    case "account":
      return showOrCreate(ctx);
    case "address":
      return ctx.showPanel(addressPanel(await account.address()));
    case "new-account": {
      ctx.setBusy("starting…");
      const { conversationId } = await account.startConversation(cmd.address);
      ctx.update((x) =>
        notice(
          addConversation(x, { id: conversationId, peer: "", kind: "group", label: "account" }, true),
          "conversation with that account started: their devices join as they come online (messages sent before a device joins do not reach it)",
          conversationId,
        ),
      );
      return ctx.resetScroll();
    }
    case "linkcode": {
      const code = await account.linkCode();
      return ctx.showPanel({
        title: "link code of this device",
        lines: [
          { raw: code },
          "",
          "On your primary device type /link and this code. Both devices then show six words: if they are the same, type /confirm there. Ctrl-B or Esc closes.",
        ],
      });
    }
    case "link": {
      ctx.setBusy("starting the link…");
      const link = await account.beginLink(cmd.code);
      ctx.link = link;
      const words = await link.words;
      return ctx.update((m) =>
        setLinkNotice(
          m,
          `link: the new device (key ${link.device.slice(0, 16)}…) shows six words. Are they these?  ${words.join("  ")}  Same: /confirm [NAME]. Different: /cancel (someone else may be in between).`,
        ),
      );
    }
    case "confirm": {
      const link = ctx.link;
      if (!link) return say(ctx, "no link waits for confirmation (/link CODE starts one)", "error");
      const info = await account.info();
      const name = cmd.name ?? `device ${(info?.devices.length ?? 1) + 1}`;
      ctx.setBusy("linking…");
      ctx.link = undefined;
      await link.confirm(name);
      return ctx.update((m) =>
        setLinkNotice(m, `"${name}" linked: it joins your conversations as they next sync (/devices lists it)`),
      );
    }
    case "cancel": {
      const link = ctx.link;
      if (!link) return say(ctx, "no link to cancel", "error");
      ctx.link = undefined;
      link.cancel();
      return ctx.update((m) => setLinkNotice(m, "link cancelled: nothing was signed or sent"));
    }
    case "devices": {
      const info = await account.info();
      if (!info) return say(ctx, NO_ACCOUNT, "error");
      return ctx.showPanel({ title: devicesTitle(info), lines: deviceLines(info) });
    }
    case "revoke":
      return revoke(ctx, cmd.n);
  }
}

/** The link's progress: each step replaces the last. */
function setLinkNotice(m: ChatModel, text: string): ChatModel {
  return setNotice(m, LINK_NOTICE, text);
}

async function showOrCreate(ctx: CommandContext): Promise<void> {
  const account = ctx.session.account;
  const info = await account.info();
  if (info)
    return ctx.showPanel({ title: devicesTitle(info), lines: [...accountLines(info), "", ...deviceLines(info)] });
  if (ctx.pending?.kind !== "account")
    return ask(
      ctx,
      "account",
      "",
      "this device belongs to no account. Type /account again to create one with this device as its primary (it alone links and revokes devices), or /linkcode to link this device to an account you have elsewhere.",
    );
  ctx.pending = undefined;
  ctx.update((m) => clearNotice(m, "confirm"));
  const created = await account.create(ctx.session.name);
  ctx.showPanel(recoveryPanel(created.accountKey, created.recoveryCode));
}

async function revoke(ctx: CommandContext, n: number): Promise<void> {
  const info = await ctx.session.account.info();
  if (!info) return say(ctx, NO_ACCOUNT, "error");
  if (!info.primary)
    return say(ctx, "only the primary device (the one that created the account) revokes devices", "error");
  const device = info.devices[n - 1];
  if (!device) return say(ctx, `no device ${n}; /devices lists them`, "error");
  if (device.self) return say(ctx, "that is this device, the primary: it cannot revoke itself", "error");
  if (ctx.pending?.kind !== "revoke" || ctx.pending.target !== device.installationKey)
    return ask(
      ctx,
      "revoke",
      device.installationKey,
      `revoke "${device.name}" (key ${device.installationKey.slice(0, 16)}…)? It is removed from every conversation of the account and reads nothing sent after. Type /revoke ${n} again to confirm.`,
    );
  ctx.pending = undefined;
  ctx.update((m) => clearNotice(m, "confirm"));
  await ctx.session.account.removeDevice(device.installationKey);
  say(ctx, `"${device.name}" revoked: your conversations remove it at their next sync`);
}

function devicesTitle(info: ChatAccountInfo): string {
  return `account ${info.accountKey.slice(0, 16)}…: ${info.devices.length} device(s)`;
}

function accountLines(info: ChatAccountInfo): string[] {
  return [
    info.primary
      ? "this device is the primary: it holds the account key, and links (/link) and revokes (/revoke) devices"
      : "this device is linked: the primary device links and revokes devices",
    `device list version ${info.version}`,
  ];
}

/** The /devices panel: number, name, short key, when it was added, which one is this device. */
export function deviceLines(info: ChatAccountInfo): string[] {
  return info.devices.map((d: ChatDevice, i) => {
    const day = new Date(d.addedAt).toLocaleDateString("en-GB");
    return `${i + 1}. ${d.name}  key ${d.installationKey.slice(0, 16)}…  added ${day} ${time(d.addedAt)}${d.self ? "  (this device)" : ""}`;
  });
}

function addressPanel(address: string): Panel {
  return {
    title: "my account address",
    lines: [
      { raw: address },
      "",
      "Give it to whoever should reach all your devices: /new <address> on their side starts a conversation with your account (it reaches this device first, which then adds your other devices). Line breaks do not matter. Ctrl-B or Esc closes.",
    ],
  };
}

function recoveryPanel(accountKey: string, code: string): Panel {
  return {
    title: `account ${accountKey.slice(0, 16)}… created: this device is its primary`,
    lines: [
      "RECOVERY CODE, shown this once: write it down now and keep it somewhere safe.",
      { raw: code },
      "",
      "It is the only copy of the account key outside this device: with it you restore the account if this device is lost; anyone who has it controls the account. It is not stored in any file and cannot be shown again. Esc closes.",
    ],
  };
}
