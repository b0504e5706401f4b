import { expect, test } from "@playwright/test";
import { expectNoSidewaysScroll, open, PASSWORD, register, uniqueEmail, watchForPanics } from "./helpers";

test("a submitted paper gets a live status page that follows the job without reloading", async ({ page, browser }, testInfo) => {
  const panics = watchForPanics(page);
  await register(page, uniqueEmail("submit"));
  await expect(page.getByTestId("welcome")).toBeVisible();

  // A mistyped identifier is explained at the field.
  await page.getByLabel("Paper", { exact: true }).fill("not a paper");
  await page.getByRole("button", { name: "Make a video" }).click();
  await expect(page.locator("#field-source-error")).toContainText("PubMed Central ID");

  // The three styles are shown as pictures of what they make; the person picks one, and a length.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const styles = page.locator(".style-choice");
  await expect(styles).toHaveCount(3);
  for (const img of await styles.locator("img").all()) {
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);
  }
  await page.locator('.style-choice[data-style="paper"]').click();
  await expect(page.locator('input[type="radio"][name="style"][value="paper"]')).toBeChecked();
  await page.getByLabel("Length").selectOption("90");

  await page.getByLabel("Paper", { exact: true }).fill("https://pmc.ncbi.nlm.nih.gov/articles/PMC7096066/");
  await page.getByRole("button", { name: "Make a video" }).click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/);
  const jobUrl = page.url();
  const jobId = jobUrl.split("/").pop()!;
  const made = await (await page.request.get(`/api/jobs/${jobId}`)).json();
  expect(made.options).toEqual({ style: "paper", length_seconds: 90, pace: "normal", review: false });
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("job-headline")).toHaveText("Waiting for a worker");
  await expect(page.getByText("PMC7096066")).toBeVisible();
  await expect(page.locator(".job-step")).toHaveCount(5);
  await expect(page.locator('.job-step[data-state="waiting"]')).toHaveCount(5);
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: testInfo.outputPath("job-queued.png"), fullPage: true });

  // The job changes elsewhere (another tab, a script): the page hears it over SSE, no reload.
  const cancelled = await page.request.post("/api/jobs/cancel", {
    form: { id: jobId },
    headers: { Accept: "application/json" },
  });
  expect(cancelled.status()).toBe(200);
  await expect(page.getByTestId("job")).toHaveAttribute("data-status", "cancelled");
  await expect(page.getByTestId("job-headline")).toHaveText("Cancelled");
  // Steps of an ended job that never got their turn say so, rather than "Waiting".
  await expect(page.locator('.job-step[data-state="not-run"]')).toHaveCount(5);
  await expect(page.locator(".job-step").first()).toContainText("Not run");

  // Retry from the page puts it back in the queue.
  await page.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByTestId("job-headline")).toHaveText("Waiting for a worker");
  await expect(page.locator('.job-step[data-state="waiting"]')).toHaveCount(5);
  await expect(page.getByRole("button", { name: "Cancel" })).toBeVisible();

  // A reload shows the same state, from the server.
  await page.reload();
  await expect(page.getByTestId("job-headline")).toHaveText("Waiting for a worker");

  // Cancel from the page.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("job-headline")).toHaveText("Cancelled");

  // Someone else gets "not found", never the job.
  const stranger = await browser.newContext();
  const other = await stranger.newPage();
  await register(other, uniqueEmail("stranger"));
  await expect(other.getByTestId("welcome")).toBeVisible();
  const response = await other.goto(jobUrl);
  expect(response?.status()).toBe(404);
  await expect(other.getByRole("heading", { name: "We could not find that job" })).toBeVisible();
  await expect(other.getByText("PMC7096066")).toHaveCount(0);
  await stranger.close();
  expect(panics).toEqual([]);
});

test("My videos lists the jobs and deletes one after a confirmation, without a reload", async ({ page }, testInfo) => {
  const panics = watchForPanics(page);
  await register(page, uniqueEmail("gallery"));
  await expect(page.getByTestId("welcome")).toBeVisible();

  await page.goto("/videos");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("heading", { name: "No videos yet" })).toBeVisible();

  for (const paper of ["PMC7096066", "10.1056/NEJMoa2002032"]) {
    const response = await page.request.post("/api/jobs", { data: { source: paper } });
    expect(response.status()).toBe(201);
  }
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const cards = page.getByTestId("job-card");
  await expect(cards).toHaveCount(2);
  await expect(cards.first()).toContainText("doi:10.1056/nejmoa2002032"); // newest first
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: testInfo.outputPath("videos.png"), fullPage: true });

  // Delete asks first; "Keep it" keeps it.
  await cards.first().getByRole("button", { name: "Delete" }).click();
  await cards.first().getByRole("button", { name: "Keep it" }).click();
  await expect(cards).toHaveCount(2);
  await cards.first().getByRole("button", { name: "Delete" }).click();
  // A destructive button stays red under the pointer (it used to turn the primary green).
  const yes = cards.first().getByRole("button", { name: "Yes, delete" });
  const red = await yes.evaluate((b) => getComputedStyle(b).backgroundColor);
  await yes.hover();
  await expect.poll(() => yes.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe(red);
  await yes.click();
  await expect(page.getByTestId("toast")).toHaveText("Deleted.");
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toContainText("PMC7096066");

  // The card links to the live status page.
  await cards.first().getByRole("link", { name: "PMC7096066" }).click();
  await expect(page.getByTestId("job-headline")).toHaveText("Waiting for a worker");
  expect(panics).toEqual([]);
});

test("My videos shows a job submitted elsewhere at once, and a status page hears its job was deleted", async ({ page, context }) => {
  const panics = watchForPanics(page);
  await register(page, uniqueEmail("live-list"));
  await expect(page.getByTestId("welcome")).toBeVisible();
  await open(page, "/videos");
  await expect(page.getByRole("heading", { name: "No videos yet" })).toBeVisible();

  // Submitted from another tab (here: the API): the open list gains its card, no reload.
  const made = await page.request.post("/api/jobs", { data: { source: "PMC7096066" } });
  expect(made.status()).toBe(201);
  const { id } = await made.json();
  const cards = page.getByTestId("job-card");
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toContainText("PMC7096066");
  // The status badge keeps to one line whatever the width.
  const badge = cards.first().locator(".badge");
  await expect(badge).toHaveText(/queued/i);
  expect(await badge.evaluate((b) => getComputedStyle(b).whiteSpace)).toBe("nowrap");

  // The job's page is open in a second tab when the job is deleted from the list.
  const status = await context.newPage();
  await open(status, `/jobs/${id}`);
  await expect(status.getByTestId("job-headline")).toHaveText("Waiting for a worker");
  await cards.first().getByRole("button", { name: "Delete" }).click();
  await cards.first().getByRole("button", { name: "Yes, delete" }).click();
  await expect(cards).toHaveCount(0);
  await expect(status.getByTestId("job-headline")).toHaveText("This video was deleted");
  await expect(status.getByTestId("job")).toHaveAttribute("data-deleted", "true");
  await expect(status.getByRole("button", { name: "Cancel" })).toHaveCount(0);
  await expect(status.getByRole("link", { name: "My videos" }).last()).toBeVisible();
  expect(panics).toEqual([]);
});

test("a shared job link opened while logged out returns to the job after logging in", async ({ page, browser }) => {
  const email = uniqueEmail("returning");
  await register(page, email);
  await expect(page.getByTestId("welcome")).toBeVisible();
  const made = await page.request.post("/api/jobs", { data: { source: "PMC7096066" } });
  const { id } = await made.json();

  const elsewhere = await browser.newContext();
  const stranger = await elsewhere.newPage();
  const response = await stranger.goto(`/jobs/${id}`);
  expect(response?.status()).toBe(401);
  await expect(stranger.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(stranger.getByRole("heading", { name: "Log in to see this job" })).toBeVisible();
  await stranger.getByRole("main").getByRole("link", { name: "Log in" }).click();
  await expect(stranger).toHaveURL(new RegExp(`/login\\?next=/jobs/${id}$`));
  await expect(stranger.locator("body")).toHaveAttribute("data-hydrated", "true");
  await stranger.getByLabel("Email").fill(email);
  await stranger.getByLabel("Password").fill(PASSWORD);
  await stranger.getByRole("button", { name: "Log in" }).click();
  await expect(stranger).toHaveURL(new RegExp(`/jobs/${id}$`));
  await expect(stranger.getByTestId("job-headline")).toHaveText("Waiting for a worker");
  await elsewhere.close();
});

test("the upload takes a file dropped on its zone and says which file and how big", async ({ page }) => {
  await register(page, uniqueEmail("dropper"));
  await expect(page.getByTestId("welcome")).toBeVisible();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const zone = page.getByTestId("drop-zone");
  await expect(zone).toContainText("Drop a file here");
  // Chosen with the file picker (the real input, still labelled).
  await page.getByLabel("Or upload a file").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.alloc(2_400, "a") });
  await expect(page.getByTestId("upload-chosen")).toHaveText("notes.txt · 2 KB");
  // Dropped from the desktop.
  const dropped = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(1_500_000)], "big paper.pdf", { type: "application/pdf" }));
    return transfer;
  });
  await zone.dispatchEvent("dragenter", { dataTransfer: dropped });
  await expect(zone).toHaveClass(/drop-zone-over/);
  await zone.dispatchEvent("drop", { dataTransfer: dropped });
  await expect(zone).not.toHaveClass(/drop-zone-over/);
  await expect(page.getByTestId("upload-chosen")).toHaveText("big paper.pdf · 1.5 MB");
  expect(await page.locator("#upload-file").evaluate((i: HTMLInputElement) => i.files?.[0]?.name)).toBe("big paper.pdf");
  // It is reachable from the keyboard: the focus ring shows on the zone.
  await page.locator("#upload-file").focus();
  expect(await zone.evaluate((z) => getComputedStyle(z).outlineStyle)).toBe("solid");
});
