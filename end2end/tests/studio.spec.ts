import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expectNoSidewaysScroll, open, register, uniqueEmail, watchForPanics } from "./helpers";

// The studio, on the app with its worker (files in Garage, videos as presigned redirects): a
// script stops for review, is edited on its storyboard beside the paper's sentences, and the
// video made from it says the edited words.
test.use({ baseURL: `http://127.0.0.1:${Number(process.env.HH_E2E_PORT ?? 29517) + 1}` });

// A real CC BY 4.0 paper (eLife, abstract only): short, so the video renders in seconds.
const PAPER = join(__dirname, "../../server/paper/tests/fixtures/jats/elife_poa_abstract-only_e06828.xml");
const EDITED = "Marmalade is the word you will hear in this scene.";

test("a script waits for review, is edited beside its sources, and the video says the edit", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const panics = watchForPanics(page);
  await register(page, uniqueEmail("studio"));
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Length").selectOption("30");
  await page.getByTestId("review-first").check();
  await page.getByLabel("Or upload a file").setInputFiles(PAPER);
  await page.getByRole("button", { name: "Upload the file" }).click();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/);
  const id = page.url().split("/").pop()!;

  // The run stops after the script, live, and the page becomes the storyboard.
  await expect(page.getByTestId("job-headline")).toHaveText("Your script is ready for review", { timeout: 120_000 });
  await expect(page.getByTestId("job-now")).toHaveText("Waiting for your review");
  await expect(page.locator('.job-step[data-step="generate-audio"]')).toHaveAttribute("data-state", "waiting");
  const cards = page.getByTestId("scene-card");
  await expect(cards.first()).toBeVisible();
  expect(await cards.count()).toBeGreaterThanOrEqual(3);
  await expect(cards.first()).toHaveAttribute("data-kind", "title");
  // Each card plans its beats: what the picture shows, moment by moment, while the voice speaks.
  const plan = cards.first().getByTestId("beat-plan");
  await expect(plan.locator("summary")).toContainText(/Beat plan · \d+ beats?, about/);
  await plan.locator("summary").click();
  await expect(plan.locator("li").first()).toContainText("Hook:");

  // Each scene shows the paper's sentence it rests on, marked inside its paragraph.
  const point = cards.nth(1);
  await point.getByTestId("scene-source").locator("summary").click();
  const sentence = (await point.getByTestId("source-sentence").first().textContent())!.trim();
  // The paper's text: the XML without its markup.
  const paper = readFileSync(PAPER, "utf8").replace(/<[^>]+>/g, "").replace(/\s+/g, " ");
  expect(paper).toContain(sentence.split(" ").slice(0, 5).join(" "));
  await expect(page.locator(".paper-links a").first()).toHaveAttribute("target", "_blank");

  // This abstract has no sentence to spare for another version of a scene: the card says so.
  await point.getByTestId("another-sentence").click();
  await expect(page.getByTestId("storyboard-error")).toContainText("no other sentence for this scene");
  // A number the paper does not print is flagged on its card; nothing is saved until fixed
  // (or kept by choice).
  const narration = point.getByTestId("narration");
  await narration.fill("Marmalade finches sang 4817 songs.");
  await page.getByTestId("save-script").click();
  await expect(point.getByTestId("scene-flag")).toContainText("4817");
  await expect(page.getByTestId("storyboard-error")).toContainText("numbers the paper does not print");
  await narration.fill(EDITED);
  await expect(point.getByTestId("scene-flag")).toBeHidden();
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: testInfo.outputPath("storyboard.png"), fullPage: true });

  // Make the video: the voice and the scenes are made from the edited script.
  await page.getByTestId("make-video").click();
  // Scenes appear as they are drawn, each with its voice, before the final video.
  const preview = page.getByTestId("scene-preview").first();
  await expect(preview).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId("job-headline")).toHaveText("Making your video");
  const previewed = await page.request.get((await preview.getAttribute("src"))!);
  expect(previewed.status()).toBe(200);
  expect(previewed.headers()["content-type"]).toBe("video/mp4");
  await expect(page.getByTestId("job-headline")).toHaveText("Your video is ready", { timeout: 240_000 });
  await expect(page.getByTestId("scene-previews")).toHaveCount(0);
  await expect(page.locator('.job-step[data-step="generate-script"]')).toHaveAttribute("data-state", "done");
  const captions = await (await page.request.get(`/videos/${id}/captions.vtt`)).text();
  expect(captions).toContain("Marmalade");
  // The finished page keeps the scenes beside their sources, read-only, under the video.
  const board = page.getByTestId("storyboard");
  await expect(board).toContainText("Scenes and their sources");
  await expect(board).toContainText(EDITED);
  await expect(board.getByTestId("make-video")).toHaveCount(0);
  expect((await page.getByTestId("player").boundingBox())!.y).toBeLessThan((await board.boundingBox())!.y);

  // Remake one scene: the previous video plays on while it is made, and stays as a version.
  const seenBefore = (await (await page.request.get(`/api/jobs/history?id=${id}`)).json()).events.length;
  const remade = board.getByTestId("scene-card").nth(1);
  await remade.getByTestId("edit-scene").click();
  await remade.getByTestId("narration").fill("Quince is the word of the remade scene.");
  await remade.getByTestId("remake-scene").click();
  await expect(page.getByTestId("previous-version")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("player")).toBeVisible();
  await expect(page.getByTestId("job-headline")).toHaveText("Your video is ready", { timeout: 240_000 });
  await expect(page.getByTestId("previous-version")).toHaveCount(0);
  expect(await (await page.request.get(`/videos/${id}/captions.vtt`)).text()).toContain("Quince");
  // Only that scene was voiced and drawn again (the step events say so), then the final.
  const events = (await (await page.request.get(`/api/jobs/history?id=${id}`)).json()).events.slice(seenBefore);
  const said = (kind: string, start: string) => events.filter((e: any) => e.kind === kind && e.message.startsWith(start)).map((e: any) => e.message);
  expect(said("step-progress", "Recording scene")).toEqual([expect.stringMatching(/^Recording scene 2 of \d+$/)]);
  expect(said("scene-ready", "Scene")).toEqual([expect.stringMatching(/^Scene 2 drawn/)]);
  const versions = page.getByTestId("version");
  await expect(versions).toHaveCount(2);
  const older = versions.filter({ has: page.getByTestId("restore-version") });
  const olderSrc = await older.locator("video").getAttribute("src");
  expect(olderSrc).toMatch(new RegExp(`/videos/${id}/versions/1\\.mp4$`));
  expect((await page.request.get(olderSrc!)).status()).toBe(200);
  // And back: version 1 is the video again.
  await older.getByTestId("restore-version").click();
  await expect(page.getByTestId("version")).toHaveCount(3, { timeout: 30_000 });
  expect(await (await page.request.get(`/videos/${id}/captions.vtt`)).text()).toContain("Marmalade");

  // The choice is remembered for the next paper.
  await open(page, "/");
  await expect(page.getByTestId("review-first")).toBeChecked();
  expect(panics).toEqual([]);
});
