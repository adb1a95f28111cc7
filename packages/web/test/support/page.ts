/** What a person does on the page, as the tests do it: through roles and labels, as a screen reader finds them. */
import type { Locator, Page } from "playwright-core";
import { WAIT_MS } from "./stack.js";

export function conversations(page: Page): Locator {
  return page.getByRole("navigation", { name: "Conversations" });
}

/** The sidebar entry of a conversation whose label starts with `label` (accessible name "Chat …" / "Group …"). */
export function entry(page: Page, label: string, kind: "Chat" | "Group" = "Chat"): Locator {
  return conversations(page).getByRole("button", { name: new RegExp(`^${kind} ${escapeRegExp(label)}`) });
}

export function messages(page: Page, text: string): Locator {
  return page.locator("ol.messages li", { hasText: text });
}

export async function myBundle(page: Page): Promise<string> {
  await page.getByRole("button", { name: "My bundle" }).click();
  const box = page.getByRole("textbox", { name: "My intro bundle" });
  await box.waitFor({ timeout: WAIT_MS });
  return box.inputValue();
}

/** Starts a 1:1 conversation from a pasted bundle; resolves when the first message shows. */
export async function startChat(page: Page, bundle: string, text: string): Promise<void> {
  await page.getByRole("button", { name: "New chat" }).click();
  await page.getByLabel("Their intro bundle").fill(bundle);
  await page.getByLabel("First message").fill(text);
  await page.getByRole("button", { name: "Start conversation" }).click();
  await messages(page, text).waitFor({ timeout: WAIT_MS });
}

export async function open(page: Page, label: string, kind: "Chat" | "Group" = "Chat"): Promise<void> {
  await entry(page, label, kind).click();
  await page.locator("#conversation-title", { hasText: label }).waitFor({ timeout: WAIT_MS });
}

/** Types into the composer and presses Enter (the keyboard path). */
export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message", exact: true });
  await box.fill(text);
  await box.press("Enter");
  await messages(page, text).waitFor({ timeout: WAIT_MS });
}

export async function rename(page: Page, label: string): Promise<void> {
  await page.getByRole("button", { name: "Rename" }).click();
  await page.getByLabel("Name", { exact: true }).fill(label);
  await page.getByRole("button", { name: "Save name" }).click();
  await page.locator("#conversation-title", { hasText: label }).waitFor({ timeout: WAIT_MS });
}

/** Waits until my message `text` shows the tick `state` (acked = "delivered"). */
export async function waitTick(page: Page, text: string, state: string): Promise<void> {
  await messages(page, text).locator(`.tick[data-state="${state}"]`).waitFor({ timeout: WAIT_MS });
}

export async function waitFor(page: Page, condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(100);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
