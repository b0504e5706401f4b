import { expect, Page, test } from "@playwright/test";
import { logInAsAdmin, open, register, uniqueEmail, watchForPanics } from "./helpers";

// A page that needs someone shows a stranger only the log-in prompt (401), with a link that
// comes back to it; an admin page shows everyone but admins only the 404 page. Neither renders
// a form for someone who may not use it — on the server's page, and after hydration.

/** The page at `path` answers `status`, and (served and hydrated) holds none of `absent`. */
async function expectOnly(page: Page, path: string, status: number, absent: string[]) {
  const response = await page.goto(path);
  expect(response?.status(), path).toBe(status);
  const served = await response!.text();
  for (const text of absent) expect(served, `${path} as served`).not.toContain(text);
  await open(page, path);
  for (const text of absent) await expect(page.locator("main"), `${path} hydrated`).not.toContainText(text);
}

async function expectNoFilterForm(page: Page) {
  await expect(page.getByRole("form", { name: "Filter jobs" })).toHaveCount(0);
  await expect(page.locator("select[name=status], input[name=user], input[type=date]")).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "We could not find that page" })).toBeVisible();
}

test("a stranger gets the log-in prompt or the 404 page, never a form", async ({ page }) => {
  const panics = watchForPanics(page);
  await expectOnly(page, "/profile", 401, ["Change password", "Current password"]);
  await expect(page.locator("input[type=password]")).toHaveCount(0);
  const prompt = page.getByTestId("login-prompt");
  await expect(prompt.getByRole("heading", { name: "Log in to see your profile" })).toBeVisible();
  await expect(prompt.getByRole("link", { name: "Log in" })).toHaveAttribute("href", "/login?next=/profile");

  await expectOnly(page, "/videos", 401, ["New video", "No videos yet"]);
  await expect(prompt.getByRole("link", { name: "Log in" })).toHaveAttribute("href", "/login?next=/videos");

  await expectOnly(page, "/jobs/00000000-0000-4000-8000-000000000000", 401, ["Cancel", "Retry"]);
  await expect(prompt.getByRole("link", { name: "Log in" })).toHaveAttribute(
    "href",
    "/login?next=/jobs/00000000-0000-4000-8000-000000000000",
  );

  // The query comes along: the page returned to is the one asked for.
  await open(page, "/videos?before=x");
  await expect(prompt.getByRole("link", { name: "Log in" })).toHaveAttribute("href", "/login?next=/videos%3Fbefore%3Dx");

  await expectOnly(page, "/admin/jobs", 404, ["All jobs", "Filter"]);
  await expectNoFilterForm(page);
  await expectOnly(page, "/admin/jobs?status=queued&from=2026-01-01", 404, ["All jobs", "Filter"]);
  await expectNoFilterForm(page);
  expect(panics).toEqual([]);
});

test("a person who is not an admin gets the 404 page for the admin list, and their own pages", async ({ page }) => {
  const panics = watchForPanics(page);
  await register(page, uniqueEmail("plain"));
  await expect(page.getByTestId("welcome")).toBeVisible();
  await expectOnly(page, "/admin/jobs", 404, ["Filter jobs", ">All jobs<"]);
  await expectNoFilterForm(page);
  // Their own pages are theirs: the profile with its form, My videos.
  expect((await page.goto("/profile"))?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Change password" })).toBeVisible();
  expect((await page.goto("/videos"))?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "My videos" })).toBeVisible();
  expect(panics).toEqual([]);
});

test("an admin gets the admin list", async ({ page }) => {
  await logInAsAdmin(page);
  expect((await page.goto("/admin/jobs"))?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "All jobs" })).toBeVisible();
  await expect(page.getByRole("form", { name: "Filter jobs" })).toBeVisible();
});

test("after logging out on a protected page, its form goes with the session", async ({ page }) => {
  await register(page, uniqueEmail("leaver"));
  await expect(page.getByTestId("welcome")).toBeVisible();
  await open(page, "/profile");
  await expect(page.getByLabel("Current password")).toBeVisible();
  // The session ends elsewhere (another tab); a reload shows the prompt, not the form.
  await page.context().clearCookies();
  expect((await page.reload())?.status()).toBe(401);
  await expect(page.getByLabel("Current password")).toHaveCount(0);
  await expect(page.getByTestId("login-prompt")).toBeVisible();
});
