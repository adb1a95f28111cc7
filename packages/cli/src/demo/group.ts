import type { Actor } from "./actor.js";
import type { Transcript } from "./transcript.js";

export interface GroupScenarioContext {
  readonly t: Transcript;
  readonly alice: Actor;
  readonly bob: Actor;
  /** Makes another person (e.g. "carol") connected to the same node. */
  readonly newActor: (name: string) => Promise<Actor>;
}

/**
 * The GroupV1 (MLS) part of the tour. It runs when the Client exposes groups; until then the demo says so
 * in one line. The place to write it: create a group "demo" with Alice, Bob and a new member Carol (key
 * packages and welcomes travel over their PrivateV1 conversations), everyone sends one message and sees
 * the others', Carol is removed, and a last message reaches only Alice and Bob. Returns whether it ran.
 */
export async function groupScenario(ctx: GroupScenarioContext): Promise<boolean> {
  const client = ctx.alice.client.client as unknown as Record<string, unknown>;
  if (typeof client.createGroup !== "function") {
    ctx.t.note("GroupV1 (MLS groups) is not in the Client yet; this step joins the demo when it lands.");
    return false;
  }
  ctx.t.note("the Client has groups, but this demo step is not written yet (see src/demo/group.ts)");
  return false;
}
