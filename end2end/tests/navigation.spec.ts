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

// Each page's WASM comes with that page (app/src/shell.rs, `lazy_page!`): the home page needs
// only the first download, a page opened directly arrives with its own code named in preload
// links, and following a link fetches the next page's code without a reload.
test("each page's code is downloaded with that page, not before", async ({ page }) => {
  const panics = watchForPanics(page);
  const wasm: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) wasm.push(path);
  });
  const pageCode = (route: string) => wasm.filter((path) => path.includes(`split___${route}_route_view`));

  await open(page, "/");
  expect(wasm.filter((path) => /\/pkg\/hidden-hill\.[0-9a-f]{16}\.wasm$/.test(path)), "the first download").toHaveLength(1);
  expect(wasm.filter((path) => path.includes("split_")), "no page's own code on the home page").toEqual([]);

  wasm.length = 0;
  await open(page, "/login");
  const preloaded = await page
    .locator('link[rel="preload"][as="fetch"]')
    .evaluateAll((links) => links.map((link) => link.getAttribute("href") ?? ""));
  expect(preloaded.some((href) => href.includes("split___login_route_view")), "the server names the page's code").toBe(true);
  expect(pageCode("login"), "the log-in page's code").not.toEqual([]);
  expect(pageCode("register"), "no other page's code").toEqual([]);

  // Following a link: the next page's code arrives then, in the same document.
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
  await page.getByRole("main").getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Create an account");
  expect(pageCode("register"), "the sign-up page's code").not.toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  // And it works: a wrong access code is refused next to its field.
  await page.getByLabel("Email").fill(uniqueEmail("lazy"));
  await page.getByLabel("Password").fill("plum orchard lantern");
  await page.getByLabel("Access code").fill("not-the-code");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#field-access_code-error")).toContainText("access code is not right");
  expect(panics).toEqual([]);
});

// A page whose code cannot be fetched — most often because a new version was deployed since the
// tab was opened, which renames every chunk — is loaded afresh, not left half dead.
test("a page whose code cannot be fetched is loaded afresh", async ({ page }) => {
  let refused = 0;
  await page.route(/split___login_route_view[^/]*\.wasm$/, async (route) => {
    if (refused++ === 0) await route.fulfill({ status: 404, body: "gone" });
    else await route.continue();
  });
  await open(page, "/");
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
  const nav = await openNav(page);
  await nav.getByRole("link", { name: "Log in", exact: true }).click();

  await expect(page).toHaveURL((url) => url.pathname === "/login");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Log in");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), "loaded afresh").toBeUndefined();
  expect(refused, "the code was asked for again").toBeGreaterThanOrEqual(2);
  // And the page works.
  await page.getByLabel("Email").fill(uniqueEmail("reloaded"));
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.locator("#login-error")).not.toBeEmpty();
});
