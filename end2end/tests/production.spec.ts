import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expectNoSidewaysScroll, open, register, uniqueEmail, watchForPanics } from "./helpers";

// The app with its worker: an uploaded paper really becomes a video. Its files are in Garage,
// and the player is redirected to a presigned URL there (playwright.config.ts).
test.use({ baseURL: `http://127.0.0.1:${Number(process.env.HH_E2E_PORT ?? 29517) + 1}` });

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
  expect(uploaded.options).toEqual({ style: "bold", length_seconds: 60, pace: "faster", review: false });
  // A second tab watches the run too, and stays open after it.
  const watcher = await page.context().newPage();
  const watcherPanics = watchForPanics(watcher);
  await open(watcher, page.url());
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
  // The text to post: the caption, then the hashtag line once.
  const post = await page.getByTestId("post-text").inputValue();
  expect(post.split("\n").filter((line) => /^#\w/.test(line.trim()))).toHaveLength(1);
  // The finished page leads with the video: the player is first, above the headline, and on a
  // phone it is on the first screen; how it was made is folded away below.
  const player = page.getByTestId("player");
  const playerBox = (await player.boundingBox())!;
  expect(playerBox.y).toBeLessThan((await page.getByTestId("job-headline").boundingBox())!.y);
  expect(playerBox.y).toBeLessThan(page.viewportSize()!.height / 2);
  await expect(page.locator("details.job-progress")).not.toHaveAttribute("open", /.*/);
  // The page is named after the paper, not the uploaded file.
  const title = (await page.getByTestId("job-title").textContent())!.trim();
  await expect(page).toHaveTitle(`${title} · Hidden Hill`);
  // The captions are also a track of the player, off until the person turns them on.
  const track = player.locator('track[kind="captions"]');
  await expect(track).toHaveAttribute("src", /\/videos\/[0-9a-f-]{36}\/captions\.vtt$/);
  expect(await player.evaluate((v: HTMLVideoElement) => v.textTracks[0]?.mode)).not.toBe("showing");
  expect((await (await page.request.get((await track.getAttribute("src"))!)).text()).startsWith("WEBVTT")).toBe(true);
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

  // The finished job's page stays open in a second tab while the video is deleted elsewhere.
  const jobUrl = page.url();
  const tab = await page.context().newPage();
  const tabPanics = watchForPanics(tab);
  await open(tab, jobUrl);
  await expect(tab.getByTestId("player")).toBeVisible();

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
  // The other tabs hear of it — the one opened on the finished job and the one that watched
  // it finish: no player left to fail, and a way on.
  for (const other of [tab, watcher]) {
    await expect(other.getByTestId("job-headline")).toHaveText("This video was deleted");
    await expect(other.getByTestId("player")).toHaveCount(0);
    await expect(other.getByTestId("post-text")).toHaveCount(0);
  }
  await expect(watcher.getByTestId("job-percent")).toHaveCount(0);
  expect(panics).toEqual([]);
  expect(tabPanics).toEqual([]);
  expect(watcherPanics).toEqual([]);
});

test("My videos shows a new job at once, follows its steps live as the status page does, and plays it when it finishes", async ({ page }, testInfo) => {
  test.setTimeout(420_000);
  const panics = watchForPanics(page);
  await register(page, uniqueEmail("watcher"));
  await expect(page.getByTestId("welcome")).toBeVisible();
  await open(page, "/videos");
  await expect(page.getByRole("heading", { name: "No videos yet" })).toBeVisible();
  // Every line the card shows while it runs, as it changes.
  await page.evaluate(() => {
    (window as any).cardLines = [];
    new MutationObserver(() => {
      const line = document.querySelector('[data-testid="card-step"]')?.textContent?.trim();
      const lines = (window as any).cardLines;
      if (line && lines[lines.length - 1] !== line) lines.push(line);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const response = await page.request.post("/api/jobs", {
    multipart: { file: { name: "paper.xml", mimeType: "application/xml", buffer: readFileSync(PAPER) } },
  });
  expect(response.status()).toBe(201);

  // The new job's card appears without a reload, and its progress arrives over the page's one
  // live connection.
  const card = page.getByTestId("job-card").first();
  await expect(card.getByTestId("card-step")).toContainText("%", { timeout: 60_000 });
  // The bar is the product's, not the browser's blue.
  expect(await card.locator("progress").evaluate((p) => getComputedStyle(p).appearance)).toBe("none");
  await page.screenshot({ path: testInfo.outputPath("videos-running.png"), fullPage: true });
  await expect(card).toHaveAttribute("data-status", "succeeded", { timeout: 240_000 });
  await expect(card.getByTestId("card-player")).toBeVisible();
  expect(await metadataDuration(page, "card-player")).toBeGreaterThan(10);
  await expect(card.locator('track[kind="captions"]')).toHaveAttribute("src", /captions\.vtt$/);

  // The card named the step the job was on, with a percent inside that step's share: the same
  // fold as the status page (it used to say "Read the paper · 81%" while making the visuals).
  const shares: Record<string, [number, number]> = {
    "Read the paper": [0, 10],
    "Write the script": [10, 30],
    "Record the voice": [30, 50],
    "Make the visuals": [50, 85],
    "Add captions": [85, 100],
  };
  const lines: string[] = await page.evaluate(() => (window as any).cardLines);
  expect(lines.length).toBeGreaterThan(0);
  const order = Object.keys(shares);
  let last = -1;
  for (const line of lines) {
    const [, step, percent] = line.match(/^(.+) · (\d+)%$/) ?? [];
    expect(shares[step], line).toBeDefined();
    const [from, to] = shares[step];
    expect(Number(percent), line).toBeGreaterThanOrEqual(from);
    expect(Number(percent), line).toBeLessThanOrEqual(to);
    expect(order.indexOf(step), `steps only move forward: ${lines.join(" | ")}`).toBeGreaterThanOrEqual(last);
    last = order.indexOf(step);
  }

  // A job that fails (NCBI cannot be reached from here) beside the finished one: each card
  // keeps its own height, and Delete stays a button, not a tall pill.
  expect((await page.request.post("/api/jobs", { data: { source: "PMC7096066" } })).status()).toBe(201);
  const failed = page.locator('[data-testid="job-card"][data-status="failed"]');
  // NCBI's client retries for about 90 s (three tries of the step, each with backoff) first.
  await expect(failed).toHaveCount(1, { timeout: 180_000 });
  const video = page.locator('[data-testid="job-card"][data-status="succeeded"]');
  const [failedBox, videoBox] = [(await failed.boundingBox())!, (await video.boundingBox())!];
  expect(failedBox.height).toBeLessThan(videoBox.height / 2);
  const remove = failed.getByRole("button", { name: "Delete" });
  expect((await remove.boundingBox())!.height).toBeLessThan(50);
  expect((await remove.boundingBox())!.width).toBeLessThan(140);
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: testInfo.outputPath("videos-failed-beside-ready.png"), fullPage: true });
  expect(panics).toEqual([]);
});
