import { expect, test } from "@playwright/test";
import { expectNoSidewaysScroll, open, register, smallTouchTargets, uniqueEmail, watchForPanics } from "./helpers";

// Every page at this project's size: it fits without sideways scrolling, on a phone every
// control is thumb-sized, and a screenshot of it is kept as a test artifact.
test("every page fits the screen, with touch targets a thumb can hit", async ({ page, isMobile }, testInfo) => {
  const panics = watchForPanics(page);
  const visit = async (path: string, name: string) => {
    await open(page, path);
    await expectNoSidewaysScroll(page);
    if (isMobile) expect(await smallTouchTargets(page), `${path} on a phone`).toEqual([]);
    await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  };
  await visit("/", "home-anonymous");
  await visit("/login", "login");
  await visit("/register", "register");
  await page.goto("/no-such-page");
  await page.screenshot({ path: testInfo.outputPath("not-found.png"), fullPage: true });

  await register(page, uniqueEmail("pages"));
  await expect(page.getByTestId("welcome")).toBeVisible();
  const response = await page.request.post("/api/jobs", { data: { source: "PMC7096066" } });
  expect(response.status()).toBe(201);
  const job = await response.json();
  await visit("/", "home-signed-in");
  await visit(`/jobs/${job.id}`, "job");
  await visit("/videos", "my-videos");
  await visit("/profile", "profile");
  expect(panics).toEqual([]);
});
