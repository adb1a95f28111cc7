/**
 * Errors in plain words, said once: each kind of trouble has a key, so a second report replaces the first
 * and the notice goes away when the trouble does (the node is back, a message went out).
 */
import { accountErrorText } from "./account-errors.js";

export interface PlainError {
  readonly text: string;
  /** "network": the node connection; "publish": sending to the network. */
  readonly key?: string;
}

const NETWORK = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|dial|stream reset|aborted/i;

/** The host and port in a system error message ("connect ECONNREFUSED 127.0.0.1:60000"). */
function where(message: string): string {
  const m = /(\d{1,3}(?:\.\d{1,3}){3}:\d+)/.exec(message);
  return m ? ` at ${m[1]}` : "";
}

export function plainError(message: string): PlainError {
  const account = accountErrorText(message);
  if (account) return { text: account };
  if (/publish[- ]failed/.test(message) || /no-peers|publish failed: (stopped|timeout)/.test(message))
    return {
      key: "publish",
      text: "not sent yet: no node is connected. Your messages are kept and sent again when it is back (… and ✓ show where they are)",
    };
  if (NETWORK.test(message))
    return {
      key: "network",
      text: `the node${where(message)} does not answer (stopped or restarting?); trying again…`,
    };
  if (/content-too-large/.test(message))
    return { text: "that is too large for one message; send big content as a file with /send PATH" };
  if (/own-bundle/.test(message))
    return { text: "that is your own bundle: give it to others, they use it to reach you" };
  if (/bundle-key-expired/.test(message))
    return { text: "someone used an intro bundle of yours that has expired; they need your current one (/me)" };
  if (/bundle-bad-signature|bundle-low-order-key/.test(message))
    return { text: "that bundle is forged or damaged (its signature does not check): ask for it again" };
  if (/bundle-/.test(message))
    return {
      text: "that is not a complete intro bundle (part of it may be missing): copy it again, or use /copy's file",
    };
  if (/unknown-conversation/.test(message)) return { text: "that conversation no longer exists" };
  if (/no-pairwise-conversation/.test(message))
    return { text: "a group member must be someone you have a 1:1 conversation with" };
  // A group command after /leave or a removal (GroupV1 "not-a-member"): only a member can add us back.
  if (/^not-a-member:/.test(message))
    return { text: "you are no longer in this group (you left or were removed); a member can add you again" };
  if (/^already-a-member:/.test(message)) return { text: "already in the group" };
  if (/^closed:/.test(message)) return { text: "the profile is closing" };
  return { text: message };
}
