import AxeBuilder from "@axe-core/playwright";
import { Cookie, expect, Locator, Page } from "@playwright/test";

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

/** On touch screens every visible control is at least 44 px tall (buttons, links styled as
 * buttons, form fields, navigation links). Returns the ones that are not, for the assertion. */
export async function smallTouchTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const small: string[] = [];
    const selector = "button, .button, input:not([type=hidden]), select, textarea, header nav a";
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue; // not shown
      if (box.height < 44) small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute("aria-label") || el.getAttribute("name") || "").trim().slice(0, 30)}" ${Math.round(box.height)}px`);
    }
    return small;
  });
}

/** The main navigation, opened: on narrow screens the links sit behind the "Menu" button,
 * which this presses (once hydrated) if the menu is closed; on wide screens they are always
 * shown. */
export async function openNav(page: Page): Promise<Locator> {
  const nav = page.getByRole("navigation", { name: "Main" });
  const menu = page.getByRole("button", { name: "Menu" });
  if (await menu.isVisible()) {
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    if ((await menu.getAttribute("aria-expanded")) !== "true") await menu.click();
    await expect(menu).toHaveAttribute("aria-expanded", "true");
  }
  await expect(nav).toBeVisible();
  return nav;
}

/** Logs out through the header, as a person would, and waits until the header says so. */
export async function logOut(page: Page) {
  await (await openNav(page)).getByRole("button", { name: "Log out" }).click();
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
  await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toHaveCount(1);
}

/** Logs in on the log-in page and waits until the header names the account. */
export async function logIn(page: Page, email: string, password = PASSWORD) {
  await open(page, "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  // Attached, not visible: on a phone the signed-in address is inside the closed menu.
  await expect(page.getByTestId("signed-in-as")).toHaveText(email.toLowerCase());
}

export const ADMIN_EMAIL = "admin@example.org";

/** The admin's session cookies once signed in; per test worker, which a project keeps. */
let adminCookies: Cookie[] | undefined;

/** Signs the admin in: on the log-in page the first time in a test worker, then by handing the
 * browser that session again, as a person who stays signed in would be. (Signing in on the page
 * each time would sign the admin in from 127.0.0.1 more often than the per-address-and-account
 * limit lets anyone.) A session that no longer works means the log-in page again. */
export async function logInAsAdmin(page: Page) {
  if (adminCookies) {
    await page.context().addCookies(adminCookies);
    await open(page, "/");
    if ((await page.getByTestId("signed-in-as").textContent()) === ADMIN_EMAIL) return;
  }
  await logIn(page, ADMIN_EMAIL);
  adminCookies = await page.context().cookies();
}

/** Runs axe-core on the page as it is now and fails on any violation of impact "serious" or
 * "critical", listing each rule, its impact and the elements it found. */
export async function expectNoSeriousA11yViolations(page: Page, where = page.url()) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const report = serious.flatMap((v) =>
    v.nodes.map((node) => `${v.id} (${v.impact}) at ${node.target.join(" ")}: ${node.failureSummary?.split("\n").slice(1).join(" ").trim() ?? v.help}`),
  );
  expect(report, `serious accessibility problems on ${where}`).toEqual([]);
}
