import { Browser, expect, Page, test } from "@playwright/test";
import { expectNoSidewaysScroll, logInAsAdmin, logOut, open, openNav, register, uniqueEmail, watchForPanics } from "./helpers";

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
  await logOut(page);

  await logInAsAdmin(page);
  await (await openNav(page)).getByRole("link", { name: "All jobs" }).click();
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

  // One job is one job: no "job(s)".
  await rows.first().getByRole("checkbox").check();
  await page.getByRole("button", { name: "Delete selected (1)" }).click();
  await expect(page.getByText("Delete 1 job for good?")).toBeVisible();
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page.getByTestId("toast")).toHaveText("Deleted 1 job.");
  await expect(rows).toHaveCount(1);
  expect(panics).toEqual([]);
});

/** An admin on the job list, with `papers` submitted by a fresh person (returned). */
async function adminWithJobs(page: Page, browser: Browser, papers: string[]): Promise<string> {
  const person = uniqueEmail("owner");
  const context = await browser.newContext();
  const other = await context.newPage();
  await register(other, person);
  await expect(other.getByTestId("welcome")).toBeVisible();
  for (const paper of papers) {
    expect((await other.request.post("/api/jobs", { data: { source: paper } })).status()).toBe(201);
  }
  // And one upload, whose label is its file name.
  const upload = await other.request.post("/api/jobs", {
    multipart: { file: { name: "a-rather-long-file-name-for-a-paper.txt", mimeType: "text/plain", buffer: Buffer.from("A title\n\nSome text of a paper.") } },
    maxRedirects: 0,
  });
  expect(upload.status()).toBeLessThan(400);
  await context.close();
  await logInAsAdmin(page);
  await open(page, `/admin/jobs?user=${encodeURIComponent(person)}`);
  return person;
}

test("on a phone each job reads as a card of labels and values", async ({ page, browser, isMobile }, testInfo) => {
  await adminWithJobs(page, browser, ["PMC333"]);
  const rows = page.getByTestId("admin-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(".txt");
  await page.screenshot({ path: testInfo.outputPath("admin-cards.png"), fullPage: true });
  // Every cell holds one value element; on a phone it stands right of the label column (the
  // label comes from data-label), so no value (a file name, a detail) falls under the labels.
  const cells = await page.locator("[data-testid=admin-row] td").evaluateAll((tds) =>
    tds.map((td) => {
      const cell = td.querySelector(":scope > .cell");
      const box = td.getBoundingClientRect();
      const value = cell?.getBoundingClientRect();
      const parts = cell ? Array.from(cell.querySelectorAll("*")).map((el) => el.getBoundingClientRect().left) : [];
      return {
        label: td.getAttribute("data-label"),
        children: td.childElementCount,
        before: getComputedStyle(td, "::before").content,
        offset: value ? value.left - box.left : -1,
        leftmost: parts.length ? Math.min(...parts) - box.left : (value ? value.left - box.left : -1),
      };
    }),
  );
  expect(cells.length).toBe(12);
  for (const cell of cells) {
    expect(cell.children, `${cell.label}: one value element`).toBe(1);
    if (isMobile) {
      expect(cell.before, cell.label!).toBe(`"${cell.label}"`);
      expect(cell.offset, `${cell.label}: value right of the label`).toBeGreaterThanOrEqual(90);
      expect(cell.leftmost, `${cell.label}: nothing under the label`).toBeGreaterThanOrEqual(90);
    } else {
      expect(cell.before, cell.label!).toBe("none");
    }
  }
});

test("filters leave empty fields out of the URL, and From after To is said, not queried", async ({ page, browser }) => {
  const person = await adminWithJobs(page, browser, ["PMC444"]);
  const form = page.getByRole("form", { name: "Filter jobs" });
  await form.getByLabel("User").fill(person);
  await form.getByLabel("Paper").fill("PMC444");
  await form.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL((url) => url.search === `?user=${encodeURIComponent(person)}&paper=PMC444`);
  expect(page.url()).not.toContain("&=");
  await expect(page.getByTestId("admin-row")).toHaveCount(1);

  // From after To: said next to the dates, and the server is not asked.
  let asked = 0;
  page.on("request", (request) => {
    if (request.url().includes("/api/admin/jobs")) asked += 1;
  });
  await form.getByLabel("From", { exact: true }).fill("2026-12-05");
  await form.getByLabel("To", { exact: true }).fill("2026-12-01");
  await form.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/from=2026-12-05&to=2026-12-01$/);
  const problem = page.getByTestId("date-problem");
  await expect(problem).toContainText("From date is after the To date");
  await expect(form.getByLabel("From", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("To", { exact: true })).toHaveAttribute("aria-describedby", "filter-dates-error");
  await expect(page.getByTestId("admin-row")).toHaveCount(0);
  await expect(page.getByText("No job matches these filters.")).toHaveCount(0);
  expect(asked).toBe(0);
  // The same on the server's page.
  const served = await (await page.request.get(page.url())).text();
  expect(served).toContain("From date is after the To date");

  // Put right, the list comes back.
  await form.getByLabel("From", { exact: true }).fill("2026-01-01");
  await form.getByLabel("To", { exact: true }).fill("2999-12-31");
  await form.getByRole("button", { name: "Filter" }).click();
  await expect(problem).toBeEmpty();
  await expect(page.getByTestId("admin-row")).toHaveCount(1);
});

test("a header box selects every job on the page, or none", async ({ page, browser }) => {
  await adminWithJobs(page, browser, ["PMC551", "PMC552"]);
  const rows = page.getByTestId("admin-row");
  await expect(rows).toHaveCount(3);
  const all = page.getByRole("checkbox", { name: "Select all jobs on this page" });
  await expect(all).toBeVisible();
  const boxes = rows.getByRole("checkbox");
  const indeterminate = () => all.evaluate((box: HTMLInputElement) => box.indeterminate);

  await all.check();
  for (const box of await boxes.all()) await expect(box).toBeChecked();
  await expect(page.getByRole("button", { name: "Delete selected (3)" })).toBeEnabled();

  await boxes.first().uncheck();
  await expect(page.getByRole("button", { name: "Delete selected (2)" })).toBeVisible();
  await expect(all).not.toBeChecked();
  expect(await indeterminate()).toBe(true);

  await all.check();
  expect(await indeterminate()).toBe(false);
  await expect(page.getByRole("button", { name: "Delete selected (3)" })).toBeVisible();
  await all.uncheck();
  for (const box of await boxes.all()) await expect(box).not.toBeChecked();
  await expect(page.getByRole("button", { name: "Delete selected (0)" })).toBeDisabled();

  // Selected with the header box, deleted together.
  await all.check();
  await page.getByRole("button", { name: "Delete selected (3)" }).click();
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page.getByTestId("toast")).toHaveText("Deleted 3 jobs.");
});

test("an admin finds a person, disables and enables them, and deletes their account", async ({ page, browser }) => {
  const panics = watchForPanics(page);
  const email = uniqueEmail("carol");
  const context = await browser.newContext();
  const carol = await context.newPage();
  await register(carol, email);
  await expect(carol.getByTestId("welcome")).toBeVisible();
  expect((await carol.request.post("/api/jobs", { data: { source: "PMC333" } })).status()).toBe(201);

  await logInAsAdmin(page);
  await (await openNav(page)).getByRole("link", { name: "People" }).click();
  await expect(page).toHaveURL(/\/admin\/people/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("access-code-value")).not.toBeEmpty();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/q=/);
  const person = page.getByTestId("person");
  await expect(person).toHaveCount(1);
  await expect(person).toContainText("1 job");

  // Disabled: Carol's open page loses its session.
  await person.getByTestId("toggle-disabled").click();
  await expect(page.getByTestId("toast")).toContainText("is disabled");
  await expect(person.getByTestId("person-disabled")).toBeVisible();
  await carol.reload();
  await expect(carol.getByTestId("signed-in-as")).toHaveCount(0);
  await person.getByTestId("toggle-disabled").click();
  await expect(page.getByTestId("toast")).toContainText("enabled again");
  await expect(person.getByTestId("person-disabled")).toHaveCount(0);
  await expectNoSidewaysScroll(page);

  // Deleted after typing the address: gone from the list, with their job.
  await person.getByTestId("delete-person").click();
  await person.getByLabel(/Type their e-mail address/).fill(email);
  await person.getByTestId("confirm-delete-person").click();
  await expect(page.getByTestId("toast")).toContainText("deleted, with 1 job");
  await expect(page.getByTestId("person")).toHaveCount(0);
  await context.close();
  expect(panics).toEqual([]);
});
