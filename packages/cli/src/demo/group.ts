import type { Actor, Directory } from "./actor.js";
import type { Transcript } from "./transcript.js";

export interface GroupScenarioContext {
  readonly t: Transcript;
  readonly alice: Actor;
  readonly bob: Actor;
  readonly dir: Directory;
  /** Makes another person (e.g. "carol") connected to the same node. */
  readonly newActor: (name: string) => Promise<Actor>;
}

export const GROUP_NAME = "parley-demo";

/** What the group part checks at the end (each list: what that person received in the group, in order). */
export interface GroupOutcome {
  readonly expected: Record<string, readonly string[]>;
  /** 1:1 messages this part sent (to Carol), by receiver. */
  readonly direct: Record<string, readonly string[]>;
  readonly groupId: string;
}

/**
 * The GroupV1 (MLS) part of the tour: Alice creates a group with Bob and a new person, Carol (key packages
 * and Welcomes travel over their 1:1 conversations; one commit adds both), everyone writes once, Alice
 * removes Carol, and a last message reaches Bob but not Carol.
 */
export async function groupScenario(ctx: GroupScenarioContext): Promise<GroupOutcome> {
  const { t, alice, bob } = ctx;
  await t.step(
    "A group: Alice, Bob and Carol (GroupV1, MLS)",
    "Group keys come from MLS (RFC 9420). No server: key packages and Welcomes travel over the 1:1 conversations.",
  );
  const carol = await ctx.newActor("carol");
  t.say("carol", `joins the network, installation key ${carol.client.client.installationKey.slice(0, 16)}…`);
  const carolBundle = await carol.client.bundle();
  t.note("Alice needs a 1:1 conversation with each member: she starts one from Carol's bundle.");
  const hello = "Hi Carol! I'm adding you to a group with Bob.";
  await alice.start(carolBundle, hello, "carol");
  await carol.untilReceived(hello);

  const members = [bob.client.client.installationKey, carol.client.client.installationKey];
  t.say("alice", `creates the group "${GROUP_NAME}" with bob and carol`);
  const groupId = await alice.client.createGroup(GROUP_NAME, members);
  ctx.dir.groups.set(groupId, GROUP_NAME);
  t.note("Alice asks each of them for an MLS key package (over the 1:1 conversations), then adds both in one commit.");
  await Promise.all([bob.untilJoined(groupId, 30_000), carol.untilJoined(groupId, 30_000)]);
  await showRoster(ctx, alice, groupId);

  const to = `"${GROUP_NAME}"`;
  const lines = {
    alice: "Welcome to the group, both of you!",
    bob: "Thanks Alice! Hi Carol.",
    carol: "Hello Alice and Bob!",
    last: "Carol has left the room; Bob, this one is just for you.",
  };
  await alice.send(groupId, lines.alice, to);
  await Promise.all([bob.untilReceived(lines.alice), carol.untilReceived(lines.alice)]);
  await bob.send(groupId, lines.bob, to);
  await Promise.all([alice.untilReceived(lines.bob), carol.untilReceived(lines.bob)]);
  await carol.send(groupId, lines.carol, to);
  await Promise.all([alice.untilReceived(lines.carol), bob.untilReceived(lines.carol)]);

  t.say("alice", "removes carol from the group (a commit that gives the others new keys)");
  await alice.client.removeMembers(groupId, [carol.client.client.installationKey]);
  await carol.untilGone(groupId, 30_000);
  await showRoster(ctx, alice, groupId);
  await alice.send(groupId, lines.last, to);
  await bob.untilReceived(lines.last);
  // Give a message that should not arrive a fair chance to (it must not).
  await new Promise((r) => setTimeout(r, 1_000));
  if (carol.received.some((r) => r.text === lines.last)) throw new Error("carol read a message sent after her removal");
  t.say("carol", "receives nothing more: the last message was encrypted to keys she does not have");

  return {
    groupId,
    direct: { carol: [hello] },
    expected: {
      alice: [lines.bob, lines.carol],
      bob: [lines.alice, lines.carol, lines.last],
      carol: [lines.alice, lines.bob],
    },
  };
}

/** One transcript line: the group's members as `actor` sees them (MLS roster at its head epoch). */
async function showRoster(ctx: GroupScenarioContext, actor: Actor, groupId: string): Promise<void> {
  const members = await actor.client.members(groupId);
  const names = members.map((m) => {
    const who = m.self ? actor.name : (ctx.dir.people.get(m.peer) ?? `${m.peer.slice(0, 12)}…`);
    return m.state === "member" ? who : `${who} (${m.state})`;
  });
  ctx.t.say(actor.name, `sees the members of "${GROUP_NAME}": ${names.sort().join(", ")}`);
  if (members.some((m) => m.state === "pending"))
    ctx.t.note("pending: in the group's keys already, not heard from yet (each new member announces its join).");
}
