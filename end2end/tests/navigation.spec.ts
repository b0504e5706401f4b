import { expect, Page, test } from "@playwright/test";
import { logInAsAdmin, open, openNav, register, uniqueEmail, watchForPanics } from "./helpers";

// Every page reachable from every other by clicking, at both sizes: on a phone through the
// "Menu" button, on a desktop through the links in the header.

/** A page a person can go to from the header, and how to tell they arrived. */
type Destination = { path: string; link: RegExp | string; heading: RegExp | string };

const HOME: Destination = { path: "/", link: "Hidden Hill, home", heading: /scientific paper/ };
const LOG_IN: Destination = { path: "/login", link: "Log in", heading: "Log in" };
const SIGN_UP: Destination = { path: "/register", link: "Sign up", heading: "Create an account" };
const MY_VIDEOS: Destination = { path: "/videos", link: "My videos", heading: "My videos" };
const PROFILE: Destination = { path: "/profile", link: /^Profile/, heading: "Profile" };
const ALL_JOBS: Destination = { path: "/admin/jobs", link: "All jobs", heading: "All jobs" };

async function go(page: Page, from: string, to: Destination) {
  await open(page, from);
  if (to === HOME) {
    // The brand stands outside the menu, at every size.
    await page.getByRole("banner").getByRole("link", { name: HOME.link as string }).click();
  } else {
    const nav = await openNav(page);
    await nav.getByRole("link", { name: to.link, exact: typeof to.link === "string" }).click();
  }
  await expect(page, `from ${from} to ${to.path}`).toHaveURL((url) => url.pathname === to.path);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(to.heading);
  // Arriving closes the menu.
  const menu = page.getByRole("button", { name: "Menu" });
  if (await menu.isVisible()) await expect(menu).toHaveAttribute("aria-expanded", "false");
}

async function everyWay(page: Page, from: string[], to: Destination[]) {
  for (const start of from) {
    for (const destination of to) {
      if (destination.path !== start) await go(page, start, destination);
    }
  }
}

test("a stranger reaches every page from every page", async ({ page }) => {
  test.setTimeout(180_000);
  const panics = watchForPanics(page);
  await everyWay(page, ["/", "/login", "/register", "/videos", "/profile", "/no-such-page"], [HOME, LOG_IN, SIGN_UP]);
  expect(panics).toEqual([]);
});

test("a signed-in person reaches every page from every page, the profile too", async ({ page }) => {
  test.setTimeout(180_000);
  const panics = watchForPanics(page);
  const email = uniqueEmail("nav");
  await register(page, email);
  await expect(page.getByTestId("welcome")).toBeVisible();
  const job = await (await page.request.post("/api/jobs", { data: { source: "PMC7096066" } })).json();
  await everyWay(page, ["/", "/videos", "/profile", `/jobs/${job.id}`, "/no-such-page"], [HOME, MY_VIDEOS, PROFILE]);
  // The profile link names the account.
  await open(page, "/");
  await expect((await openNav(page)).getByRole("link", { name: /^Profile/ })).toContainText(email);
  expect(panics).toEqual([]);
});

test("an admin reaches every page from every page, All jobs too", async ({ page }) => {
  test.setTimeout(180_000);
  const panics = watchForPanics(page);
  await logInAsAdmin(page);
  await everyWay(page, ["/", "/videos", "/profile", "/admin/jobs"], [HOME, MY_VIDEOS, PROFILE, ALL_JOBS]);
  expect(panics).toEqual([]);
});

test("the menu is a proper disclosure on phones and plain links on desktops", async ({ page, isMobile }) => {
  await register(page, uniqueEmail("menu"));
  await expect(page.getByTestId("welcome")).toBeVisible();
  const menu = page.getByRole("button", { name: "Menu" });
  const nav = page.getByRole("navigation", { name: "Main" });
  if (!isMobile) {
    // Wide screens: no button, the links in a row.
    await expect(menu).toBeHidden();
    await expect(nav.getByRole("link", { name: "My videos" })).toBeVisible();
    await expect(nav.getByRole("link", { name: /^Profile/ })).toBeVisible();
    await expect(nav.getByRole("button", { name: "Log out" })).toBeVisible();
    return;
  }
  // The server's page already has the button, closed, pointing at the navigation.
  const html = await (await page.request.get("/")).text();
  const served = html.match(/<button[^>]*class="menu-button"[^>]*>/)?.[0] ?? "";
  expect(served).toContain('aria-expanded="false"');
  expect(served).toContain('aria-controls="site-nav"');
  await expect(menu).toHaveAttribute("aria-controls", "site-nav");
  await expect(page.locator("#site-nav")).toHaveCount(1);
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();
  const box = await menu.boundingBox();
  expect(box!.height).toBeGreaterThanOrEqual(44);
  expect(box!.width).toBeGreaterThanOrEqual(44);

  // Opens and closes with the button.
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(nav.getByRole("link", { name: "My videos" })).toBeVisible();
  for (const item of [nav.getByRole("link", { name: "My videos" }), nav.getByRole("link", { name: /^Profile/ }), nav.getByRole("button", { name: "Log out" })]) {
    expect((await item.boundingBox())!.height, await item.innerText()).toBeGreaterThanOrEqual(44);
  }
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();

  // Escape closes it and gives the focus back to the button.
  await menu.click();
  await nav.getByRole("link", { name: "My videos" }).focus();
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeFocused();

  // A tap outside the header closes it.
  // (The open menu covers the top of the page: the tap lands in the margin just below it.)
  await menu.click();
  const open = (await nav.boundingBox())!;
  await page.mouse.click(4, Math.min(open.y + open.height + 16, page.viewportSize()!.height - 4));
  await expect(menu).toHaveAttribute("aria-expanded", "false");

  // A link to the page already shown closes it too.
  await menu.click();
  await nav.getByRole("link", { name: "My videos" }).click();
  await expect(page).toHaveURL(/\/videos$/);
  await menu.click();
  await nav.getByRole("link", { name: "My videos" }).click();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
});
