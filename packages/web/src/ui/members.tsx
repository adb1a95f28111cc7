import type { GroupMemberInfo } from "@parley/core";
import { useEffect, useState } from "preact/hooks";
import type { Conversation } from "../state.js";
import { ErrorNote } from "./error-note.js";

const STATE_TEXT: Record<string, string> = {
  member: "member",
  pending: "added, not heard from yet",
  invited: "invited (waiting for their key package)",
};

export interface MembersProps {
  readonly group: Conversation;
  /** 1:1 conversations: who can be added. */
  readonly contacts: readonly Conversation[];
  /** Changes when the roster may have changed (members-changed events). */
  readonly version: number;
  nameOf(peer: string): string;
  load(): Promise<GroupMemberInfo[]>;
  onAdd(peers: string[]): Promise<void>;
  onRemove(peer: string): Promise<void>;
  onLeave(): Promise<void>;
}

/** A group's roster with each member's state, and the membership actions. */
export function MembersPanel(props: MembersProps) {
  const [members, setMembers] = useState<GroupMemberInfo[] | undefined>();
  const [error, setError] = useState("");
  const [adding, setAdding] = useState("");
  const { load, version } = props;
  useEffect(() => {
    let live = true;
    load().then(
      (m) => live && setMembers(m),
      (e: unknown) => live && setError((e as Error).message),
    );
    return () => {
      live = false;
    };
  }, [load, version]);
  const act = async (f: () => Promise<void>) => {
    setError("");
    try {
      await f();
      setMembers(await load());
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const inGroup = new Set(members?.map((m) => m.peer));
  const addable = props.contacts.filter((c) => !inGroup.has(c.peer));
  const active = (props.group.status ?? "active") === "active";
  return (
    <section class="panel" aria-labelledby="members-title">
      <h2 id="members-title">Members of {props.group.label}</h2>
      {!members && !error && <p>Loading…</p>}
      <ul aria-label="Group members">
        {members?.map((m) => (
          <li key={m.peer}>
            <span>{m.self ? "you" : props.nameOf(m.peer)}</span>{" "}
            <span class="muted">{STATE_TEXT[m.state] ?? m.state}</span>
            {!m.self && active && (
              <button
                type="button"
                aria-label={`Remove ${props.nameOf(m.peer)}`}
                onClick={() => act(() => props.onRemove(m.peer))}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {active && addable.length > 0 && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (adding) void act(() => props.onAdd([adding]));
          }}
        >
          <label>
            Add member
            <select value={adding} onChange={(e) => setAdding(e.currentTarget.value)}>
              <option value="">choose…</option>
              {addable.map((c) => (
                <option key={c.peer} value={c.peer}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Add</button>
        </form>
      )}
      {active && (
        <button type="button" class="danger" onClick={() => act(props.onLeave)}>
          Leave group
        </button>
      )}
      <ErrorNote error={error} />
    </section>
  );
}
