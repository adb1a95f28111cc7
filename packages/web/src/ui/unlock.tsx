import { useEffect, useState } from "preact/hooks";
import { ErrorNote } from "./error-note.js";

export interface UnlockProps {
  readonly initialProfile: string;
  readonly busy: boolean;
  readonly error?: string;
  onOpen(profile: string, passphrase: string): void;
}

/** Opens (or creates) a profile: its name and the passphrase its store is encrypted under. */
export function Unlock({ initialProfile, busy, error, onOpen }: UnlockProps) {
  const [profile, setProfile] = useState(initialProfile);
  const [passphrase, setPassphrase] = useState("");
  useEffect(() => {
    if (performance.getEntriesByName("parley-unlock-shown").length === 0) performance.mark("parley-unlock-shown");
  }, []);
  return (
    <main class="unlock">
      <h1>Parley</h1>
      <p>End-to-end encrypted chat over Waku. Your profile lives in this browser, encrypted under your passphrase.</p>
      <form
        aria-label="Open a profile"
        onSubmit={(e) => {
          e.preventDefault();
          if (profile.trim() && passphrase) onOpen(profile.trim(), passphrase);
        }}
      >
        <label>
          Profile
          <input
            name="profile"
            value={profile}
            autoComplete="username"
            required
            onInput={(e) => setProfile(e.currentTarget.value)}
          />
        </label>
        <label>
          Passphrase
          <input
            name="passphrase"
            type="password"
            value={passphrase}
            autoComplete="current-password"
            required
            onInput={(e) => setPassphrase(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Opening…" : "Open"}
        </button>
        <p class="hint">A new profile name creates a new identity; keep the passphrase, it cannot be recovered.</p>
      </form>
      <ErrorNote error={error} />
    </main>
  );
}
