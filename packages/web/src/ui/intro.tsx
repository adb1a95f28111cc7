import { useState } from "preact/hooks";
import { QrCode } from "./qr.js";

/** My intro bundle: what someone needs to start a conversation with me. Copy it, or show its QR code. */
export function IntroPanel({ bundle }: { bundle: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(bundle);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <section aria-labelledby="intro-title" class="panel">
      <h2 id="intro-title">My intro bundle</h2>
      <p>Give this to someone so they can start a conversation with you. It holds no secret.</p>
      <textarea
        aria-label="My intro bundle"
        readOnly
        rows={4}
        value={bundle}
        onFocus={(e) => e.currentTarget.select()}
      />
      <div class="row">
        <button type="button" onClick={copy}>
          Copy bundle
        </button>
        <span role="status">{copied ? "Copied" : ""}</span>
      </div>
      <QrCode text={bundle} label="QR code of my intro bundle" />
    </section>
  );
}
