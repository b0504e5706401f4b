import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expectNoSidewaysScroll, open, register, uniqueEmail, watchForPanics } from "./helpers";

// The app with its worker: an uploaded paper really becomes a video. Its files are in Garage,
// and the player is redirected to a presigned URL there (playwright.config.ts).
test.use({ baseURL: `http://127.0.0.1:${Number(process.env.HH_E2E_PORT ?? 39517) + 1}` });

// A real CC BY 4.0 paper (eLife, abstract only): short, so the video renders in seconds.
const PAPER = join(__dirname, "../../server/paper/tests/fixtures/jats/elife_poa_abstract-only_e06828.xml");

/** Resolves with the video's duration once its metadata loaded, or -1 if it cannot play. */
async function metadataDuration(page: import("@playwright/test").Page, testId: string) {
  return page.getByTestId(testId).first().evaluate(
    (video: HTMLVideoElement) =>
      new Promise<number>((resolve) => {
        if (video.readyState >= 1) return resolve(video.duration);
        video.addEventListener("loadedmetadata", () => resolve(video.duration), { once: true });
        video.addEventListener("error", () => resolve(-1), { once: true });
        video.preload = "metadata";
        video.load();
      }),
  );
}

test("an uploaded paper is watched step by step until its video plays, and it is still there after a reload", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const panics = watchForPanics(page);
  await register(page, uniqueEmail("maker"));
  await expect(page.getByTestId("welcome")).toBeVisible();

  // Something that is not a paper is refused with the reason, and no job is made.
  await page.getByLabel("Or upload a file").setInputFiles({ name: "photo.pdf", mimeType: "application/pdf", buffer: Buffer.from([0, 1, 2, 3, 255, 254]) });
  await page.getByRole("button", { name: "Upload the file" }).click();
  await expect(page.getByTestId("upload-error")).toContainText("not one Hidden Hill can read");

  // The style chosen above the identifier applies to the upload too.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.locator('.style-choice[data-style="bold"]').click();
  await page.getByLabel("Voice pace").selectOption("faster");
  await page.getByLabel("Or upload a file").setInputFiles(PAPER);
  await page.getByRole("button", { name: "Upload the file" }).click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/);
  const uploaded = await (await page.request.get(`/api/jobs/${page.url().split("/").pop()}`)).json();
  expect(uploaded.options).toEqual({ style: "bold", length_seconds: 60, pace: "faster" });
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  // The player's request is answered with a redirect to the object store.
  const redirected = page.waitForResponse((r) => /\/videos\/[0-9a-f-]{36}$/.test(new URL(r.url()).pathname) && r.status() === 307, {
    timeout: 240_000,
  });

  // The steps tick live: each is seen done, in order, without a reload.
  for (const step of ["fetch-paper", "generate-script", "generate-audio", "generate-videos", "add-captions"]) {
    await expect(page.locator(`.job-step[data-step="${step}"]`)).toHaveAttribute("data-state", /done|skipped/, { timeout: 180_000 });
  }
  await expect(page.getByTestId("job-headline")).toHaveText("Your video is ready");
  await expect(page.getByTestId("job-percent")).toHaveText("100%");
  await expect(page.getByTestId("player")).toBeVisible();
  await expect(page.getByTestId("post-text")).toHaveValue(/#\w+/);
  const duration = await metadataDuration(page, "player");
  expect(duration).toBeGreaterThan(10);
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: testInfo.outputPath("job-succeeded.png"), fullPage: true });

  // It plays (muted: browsers refuse autoplay with sound).
  const played = await page.getByTestId("player").evaluate(async (video: HTMLVideoElement) => {
    video.muted = true;
    await video.play();
    await new Promise((r) => setTimeout(r, 1500));
    video.pause();
    return video.currentTime;
  });
  expect(played).toBeGreaterThan(0.5);
  const redirect = await redirected;
  expect(redirect.headers()["location"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hidden-hill\/jobs\/[0-9a-f-]{36}\/final\.mp4\?.*X-Amz-Signature=/);

  // A reload (or a visit days later) still shows the player and the download.
  await page.reload();
  await expect(page.getByTestId("job-headline")).toHaveText("Your video is ready");
  await expect(page.getByTestId("player")).toBeVisible();
  const download = page.getByTestId("download");
  await expect(download).toHaveAttribute("href", /\/videos\/[0-9a-f-]{36}\/download$/);
  const response = await page.request.get((await download.getAttribute("href"))!);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-disposition"]).toMatch(/^attachment; filename="[^"]+\.mp4"(; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+\.mp4)?$/);

  // My videos: the card plays inline, then goes after a confirmation.
  await open(page, "/videos");
  const card = page.getByTestId("job-card").first();
  await expect(card).toHaveAttribute("data-status", "succeeded");
  expect(await metadataDuration(page, "card-player")).toBeGreaterThan(10);
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: testInfo.outputPath("videos-with-player.png"), fullPage: true });
  await card.getByRole("button", { name: "Delete" }).click();
  await card.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page.getByTestId("toast")).toHaveText("Deleted.");
  await expect(page.getByTestId("job-card")).toHaveCount(0);
  expect(panics).toEqual([]);
});

test("My videos shows a running job's progress live and its player when it finishes, without a reload", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const panics = watchForPanics(page);
  await register(page, uniqueEmail("watcher"));
  await expect(page.getByTestId("welcome")).toBeVisible();
  const response = await page.request.post("/api/jobs", {
    multipart: { file: { name: "paper.xml", mimeType: "application/xml", buffer: readFileSync(PAPER) } },
  });
  expect(response.status()).toBe(201);

  await open(page, "/videos");
  const card = page.getByTestId("job-card").first();
  // Progress arrives over the page's one live connection: the step and percent move.
  await expect(card.getByTestId("card-step")).toContainText("%", { timeout: 60_000 });
  await page.screenshot({ path: testInfo.outputPath("videos-running.png"), fullPage: true });
  await expect(card).toHaveAttribute("data-status", "succeeded", { timeout: 240_000 });
  await expect(card.getByTestId("card-player")).toBeVisible();
  expect(await metadataDuration(page, "card-player")).toBeGreaterThan(10);
  expect(panics).toEqual([]);
});
