/**
 * The page: load the node's address, open a profile (its passphrase decrypts the store; another tab holding
 * it is refused), then the chat. `document.body.dataset.phase` says where it is, for people's tools and tests,
 * and performance marks time it: parley-unlock-shown, parley-open (Open pressed), parley-ready (the profile's
 * conversations shown), parley-online (the node connected and in our relay mesh).
 */
import { render } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { loadConfig, profileFromAddress, type WebConfig } from "./config.js";
import type { WebSession } from "./session.js";
import { Chat } from "./ui/chat.js";
import { Unlock } from "./ui/unlock.js";
import "./styles.css";

type Phase =
  | { readonly kind: "config" }
  | { readonly kind: "unlock"; readonly config: WebConfig; readonly busy: boolean; readonly error?: string }
  | { readonly kind: "chat"; readonly session: WebSession }
  | { readonly kind: "fatal"; readonly error: string };

const LAST_PROFILE = "parley:last-profile";

// The protocol and network code (most of the bundle) loads while the person types the passphrase, so
// the first screen paints from a small chunk.
const sessionModule = import("./session.js");

function explain(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === "locked")
    return "This profile is already open in another tab or window. Close it there first (one tab writes a profile at a time), or open another profile.";
  if (code === "wrong-passphrase") return "Wrong passphrase for this profile.";
  return `Could not open the profile: ${(err as Error).message}`;
}

function App() {
  const [phase, setPhase] = useState<Phase>({ kind: "config" });

  useEffect(() => {
    loadConfig(window.location).then(
      (config) => setPhase({ kind: "unlock", config, busy: false }),
      (err: unknown) => setPhase({ kind: "fatal", error: (err as Error).message }),
    );
  }, []);

  useEffect(() => {
    document.body.dataset.phase = phase.kind;
    if (phase.kind !== "chat") return;
    const session = phase.session;
    const close = () => void session.close();
    window.addEventListener("pagehide", close);
    return () => window.removeEventListener("pagehide", close);
  }, [phase]);

  const onReady = useCallback(() => {
    document.body.dataset.phase = "ready";
    performance.mark("parley-ready");
  }, []);

  switch (phase.kind) {
    case "config":
      return <p role="status">Loading…</p>;
    case "fatal":
      return (
        <p role="alert" class="error">
          {phase.error}
        </p>
      );
    case "unlock":
      return (
        <Unlock
          initialProfile={profileFromAddress(window.location) ?? localStorage.getItem(LAST_PROFILE) ?? ""}
          busy={phase.busy}
          {...(phase.error ? { error: phase.error } : {})}
          onOpen={(profile, passphrase) => {
            performance.mark("parley-open");
            const config = phase.config;
            setPhase({ kind: "unlock", config, busy: true });
            sessionModule
              .then((m) => m.WebSession.open(profile, passphrase, config))
              .then(
                (session) => {
                  localStorage.setItem(LAST_PROFILE, profile);
                  setPhase({ kind: "chat", session });
                },
                (err: unknown) => setPhase({ kind: "unlock", config, busy: false, error: explain(err) }),
              );
          }}
        />
      );
    case "chat":
      return <Chat session={phase.session} onReady={onReady} />;
  }
}

performance.mark("parley-start");
render(<App />, document.getElementById("app")!);
