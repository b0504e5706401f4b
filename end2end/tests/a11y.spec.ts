import { expect, Page, test } from "@playwright/test";
import { expectNoSeriousA11yViolations, logInAsAdmin, logOut, open, openNav, register, uniqueEmail } from "./helpers";

// axe-core on every page, as a stranger, a signed-in person and an admin sees it, at this
// project's size, in light and in dark: no violation of impact "serious" or "critical".

for (const colorScheme of ["light", "dark"] as const) {
  test.describe(`in ${colorScheme}`, () => {
    test.beforeEach(async ({ page }) => {
      await page.emulateMedia({ colorScheme });
    });

    async function check(page: Page, path: string, isMobile: boolean, ready?: () => Promise<void>) {
      await open(page, path);
      if (ready) await ready();
      await expectNoSeriousA11yViolations(page, `${path} (${colorScheme})`);
      // On a phone, the opened menu too.
      if (isMobile) {
        await openNav(page);
        await expectNoSeriousA11yViolations(page, `${path} with the menu open (${colorScheme})`);
      }
    }

    test("pages a stranger sees", async ({ page, isMobile }) => {
      test.setTimeout(120_000);
      await check(page, "/", isMobile);
      await check(page, "/login", isMobile);
      await check(page, "/register", isMobile);
      await check(page, "/videos", isMobile); // the log-in prompt
      await check(page, "/profile", isMobile);
      await check(page, "/forgot-password", isMobile, () => expect(page.getByRole("button", { name: "Send me a link" })).toBeVisible());
      await check(page, "/reset-password?token=0", isMobile);
      await check(page, "/confirm-email?token=0", isMobile, () => expect(page.getByRole("button", { name: "Confirm my address" })).toBeVisible());
      await check(page, "/confirm-email?sent=1", isMobile, () => expect(page.getByRole("button", { name: "Send me a new link" })).toBeVisible());
      await check(page, "/no-such-page", isMobile);
      // Forms showing their errors.
      await open(page, "/register");
      await page.getByLabel("Email").fill(uniqueEmail("axe"));
      await page.getByLabel("Password").fill("short");
      await page.getByLabel("Access code").fill("wrong");
      await page.getByRole("button", { name: "Create account" }).click();
      await expect(page.locator("#field-password-error")).not.toBeEmpty();
      await expectNoSeriousA11yViolations(page, `/register with errors (${colorScheme})`);
    });

    test("pages a signed-in person sees", async ({ page, isMobile }) => {
      test.setTimeout(120_000);
      await register(page, uniqueEmail("axe"));
      await expect(page.getByTestId("welcome")).toBeVisible();
      await check(page, "/", isMobile);
      await check(page, "/videos", isMobile, () => expect(page.getByRole("heading", { name: "No videos yet" })).toBeVisible());
      const made = await page.request.post("/api/jobs", { data: { source: "PMC7096066" } });
      expect(made.status()).toBe(201);
      const job = await made.json();
      const cancelled = await page.request.post("/api/jobs", { data: { source: "10.1056/NEJMoa2002032" } });
      await page.request.post("/api/jobs/cancel", { form: { id: (await cancelled.json()).id }, headers: { Accept: "application/json" } });
      await check(page, "/videos", isMobile, () => expect(page.getByTestId("job-card")).toHaveCount(2));
      await check(page, `/jobs/${job.id}`, isMobile, () => expect(page.getByTestId("job-headline")).toBeVisible());
      await check(page, "/profile", isMobile, () => expect(page.getByTestId("profile-email")).toBeVisible());
      await check(page, "/no-such-page", isMobile);
      await logOut(page);
    });

    test("the admin's list", async ({ page, isMobile }) => {
      await logInAsAdmin(page);
      await check(page, "/admin/jobs", isMobile, () => expect(page.getByRole("heading", { name: "All jobs" })).toBeVisible());
      await check(page, "/admin/people", isMobile, () => expect(page.getByTestId("person").first()).toBeVisible());
      // With a date problem showing.
      await check(page, "/admin/jobs?from=2026-12-05&to=2026-12-01", isMobile, () =>
        expect(page.getByTestId("date-problem")).not.toBeEmpty(),
      );
    });
  });
}
