import { expect, Page } from "@playwright/test";

export const ACCESS_CODE = "e2e-access-code";
export const PASSWORD = "plum orchard lantern";

/** A fresh email per call, so tests and projects never collide. */
export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.org`;
}

/** Goes to `path` and waits until the WASM has hydrated: clicks before that would be lost. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

export async function register(page: Page, email: string, password = PASSWORD, code = ACCESS_CODE) {
  await open(page, "/register");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByLabel("Access code").fill(code);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Collects WASM panics and page errors; a test asserts the list stays empty. */
export function watchForPanics(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && message.text().includes("panicked")) problems.push(message.text());
  });
  return problems;
}

/** Nothing on the page is wider than the viewport: no sideways scrolling on a phone. */
export async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}
