import { expect, test } from "@playwright/test";
import { expectNoSidewaysScroll, open, register, uniqueEmail, watchForPanics, PASSWORD } from "./helpers";

test("an admin filters every job by user and status and deletes in bulk", async ({ page, browser }, testInfo) => {
  const panics = watchForPanics(page);

  // Two people submit papers.
  const people = [uniqueEmail("alice"), uniqueEmail("bob")];
  for (const email of people) {
    const context = await browser.newContext();
    const other = await context.newPage();
    await register(other, email);
    await expect(other.getByTestId("welcome")).toBeVisible();
    for (const paper of ["PMC111", "PMC222"]) {
      expect((await other.request.post("/api/jobs", { data: { source: paper } })).status()).toBe(201);
    }
    await context.close();
  }

  // People who are not admins get a 404.
  await register(page, uniqueEmail("nosy"));
  await expect(page.getByTestId("welcome")).toBeVisible();
  expect((await page.goto("/admin/jobs"))?.status()).toBe(404);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();

  await open(page, "/login");
  await page.getByLabel("Email").fill("admin@example.org");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("link", { name: "All jobs" })).toBeVisible();
  await page.getByRole("link", { name: "All jobs" }).click();
  await expect(page).toHaveURL(/\/admin\/jobs/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");

  // Filter by user (in the URL, so it survives a reload) and by status.
  await page.getByLabel("User").fill(people[0]);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/user=/);
  const rows = page.getByTestId("admin-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(people[0]);
  await page.reload();
  await expect(rows).toHaveCount(2);
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: testInfo.outputPath("admin.png"), fullPage: true });
  await page.getByLabel("Status").selectOption("cancelled");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByText("No job matches these filters.")).toBeVisible();
  await page.getByLabel("Status").selectOption("queued");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(rows).toHaveCount(2);

  // Bulk delete both, after a confirmation.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  for (const box of await rows.getByRole("checkbox").all()) await box.check();
  await page.getByRole("button", { name: "Delete selected (2)" }).click();
  await expect(page.getByText("Delete 2 jobs for good?")).toBeVisible();
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page.getByTestId("toast")).toHaveText("Deleted 2 jobs.");
  await expect(page.getByText("No job matches these filters.")).toBeVisible();

  // Bob's jobs are untouched.
  await page.getByLabel("User").fill(people[1]);
  await page.getByLabel("Status").selectOption("");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(rows).toHaveCount(2);
  expect(panics).toEqual([]);
});
