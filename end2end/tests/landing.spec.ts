import { expect, Page, test } from "@playwright/test";
import { expectNoSidewaysScroll, open, register, uniqueEmail, watchForPanics } from "./helpers";

// The app with its worker (playwright.config.ts), started on an empty store with
// HH_SAMPLE_VIDEO=on: it makes the landing page's sample video in the background, as a new
// installation does. Its files are in Garage; the video is handed over as a presigned redirect.
test.use({ baseURL: `http://127.0.0.1:${Number(process.env.HH_E2E_PORT ?? 29517) + 1}` });

/** Waits (at most 4 minutes from the server's start) until the server says the sample exists. */
async function waitForSample(page: Page) {
  await expect
    .poll(
      async () => {
        const answer = await page.request.get("/api/sample", { headers: { accept: "application/json" } });
        return answer.ok() ? await answer.json() : null;
      },
      { timeout: 240_000, intervals: [2_000] },
    )
    .not.toBeNull();
}

test("a visitor sees a sample video playing muted beside the headline", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const panics = watchForPanics(page);
  await waitForSample(page);
  await open(page, "/");

  const figure = page.getByTestId("sample-video");
  const video = page.getByTestId("sample-player");
  await expect(video).toBeVisible();
  const player = await video.evaluate((v: HTMLVideoElement) => ({
    muted: v.muted,
    loop: v.loop,
    autoplay: v.autoplay,
    tracks: Array.from(v.querySelectorAll("track")).map((t) => ({ kind: t.kind, label: t.label, src: new URL(t.src).pathname, shown: t.track.mode === "showing" })),
  }));
  expect(player).toEqual({
    muted: true,
    loop: true,
    autoplay: true,
    // Captions are there to switch on, off at first (the video burns its own in).
    tracks: [{ kind: "captions", label: "Captions", src: "/sample/captions.vtt", shown: false }],
  });
  // It really plays: enough data for the current frame, and time moves on.
  await expect
    .poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState >= 2 && v.currentTime > 0.3 && !v.paused), { timeout: 30_000 })
    .toBe(true);
  const captions = await page.request.get("/sample/captions.vtt");
  expect(await captions.text()).toMatch(/^WEBVTT/);

  // The credit names the paper, links to it, and says its licence.
  await expect(figure.locator("figcaption")).toHaveText(/^Made by Hidden Hill from “.+” \(.+\), CC BY 3\.0$/);
  await expect(figure.getByRole("link")).toHaveAttribute("href", /^https:\/\/doi\.org\/10\./);

  // Beside the headline on a desktop, below it on a phone; never wider than the screen.
  const headline = (await page.getByRole("heading", { level: 1 }).boundingBox())!;
  const box = (await video.boundingBox())!;
  const viewport = page.viewportSize()!;
  if (testInfo.project.name === "desktop") {
    expect(box.x).toBeGreaterThanOrEqual(headline.x + headline.width);
    expect(box.y).toBeLessThan(headline.y + headline.height);
    expect(box.height).toBeLessThanOrEqual(viewport.height * 0.7 + 1);
  } else {
    expect(box.y).toBeGreaterThanOrEqual(headline.y + headline.height);
    expect(box.width).toBeLessThanOrEqual(320);
  }
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: testInfo.outputPath("landing.png"), fullPage: false });

  // The ways in are still there.
  await expect(page.getByRole("link", { name: "Create an account" })).toBeVisible();
  expect(panics).toEqual([]);
});

test("with reduced motion the sample video waits to be played by hand", async ({ page }) => {
  test.setTimeout(300_000);
  await waitForSample(page);
  await page.emulateMedia({ reducedMotion: "reduce" });
  await open(page, "/");
  const video = page.getByTestId("sample-player");
  await expect(video).toBeVisible();
  await page.waitForTimeout(1_500);
  const player = await video.evaluate((v: HTMLVideoElement) => ({ paused: v.paused, autoplay: v.autoplay, controls: v.controls, time: v.currentTime }));
  expect(player).toEqual({ paused: true, autoplay: false, controls: true, time: 0 });
});

test("signed in, the ways to submit a paper sit beside the sample video", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  await waitForSample(page);
  await register(page, uniqueEmail("landing"));
  await expect(page.getByTestId("welcome")).toBeVisible();
  await expect(page.getByTestId("sample-player")).toBeVisible();
  const form = (await page.getByTestId("upload-form").boundingBox())!;
  const video = (await page.getByTestId("sample-player").boundingBox())!;
  if (testInfo.project.name === "desktop") {
    expect(form.x + form.width).toBeLessThanOrEqual(video.x);
  } else {
    expect(video.y).toBeGreaterThanOrEqual(form.y + form.height);
  }
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: testInfo.outputPath("landing-signed-in.png") });
  // (jobs.spec.ts submits through them, on the server without a worker.)
  await expect(page.getByRole("button", { name: "Make a video" })).toBeEnabled();
  await expect(page.getByRole("button", { name: "Upload the file" })).toBeEnabled();
});
