import { defineConfig, devices } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The app, started fresh on an empty SQLite database for each run: a web-only
// process (no worker: jobs stay as tests leave them, files on the filesystem) and a whole app
// with its worker, on which papers really become videos (production.spec.ts), keeping its files
// in a real Garage S3 node and handing videos over as presigned redirects (serve-on-garage.sh).
// Below Linux's ephemeral range (32768–60999), so that no outgoing connection of the run can
// hold one of these ports when a server starts.
const port = Number(process.env.HH_E2E_PORT ?? 29517);
// The server binary: the release build by default; scripts/test runs the one its Rust tests
// built (same code, no second build of every dependency) with the release browser bundle.
const server = process.env.HH_E2E_SERVER ?? "../target/release/hidden-hill";
process.env.HH_E2E_SERVER = server;
export const WORKER_PORT = port + 1;
// Made once by the runner (its test workers load this file again and inherit the variable) and
// removed after the run by teardown.ts: videos and a Garage node add up over many runs.
const [dataDir, workerDataDir, garageDir, mailDir] = process.env.HH_E2E_DIRS?.split("\n") ?? [
  mkdtempSync(join(tmpdir(), "hh-e2e-")),
  mkdtempSync(join(tmpdir(), "hh-e2e-worker-")),
  mkdtempSync(join(tmpdir(), "hh-e2e-garage-")),
  mkdtempSync(join(tmpdir(), "hh-e2e-mail-")),
];
process.env.HH_E2E_DIRS = [dataDir, workerDataDir, garageDir, mailDir].join("\n");
// The web app sends its mail (password reset links) to a real SMTP server, Debian's aiosmtpd,
// which writes every message into a maildir the tests read (MAILDIR/new).
const MAIL_PORT = port + 2;
export const MAILDIR = join(mailDir, "mail");
export const ACCESS_CODE = "e2e-access-code";

// Debian's chromium: Playwright never downloads a browser here.
const chromium = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};

export default defineConfig({
  testDir: "./tests",
  globalTeardown: "./teardown.ts",
  outputDir: "./test-results",
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: chromium,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "desktop", use: { ...devices["Desktop Chrome"], viewport: { width: 1440, height: 900 }, channel: undefined } },
    {
      name: "phone",
      use: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
    },
  ],
  webServer: [
    {
      command: `${server} serve`,
      url: `http://127.0.0.1:${port}/health`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        HH_LISTEN: `127.0.0.1:${port}`,
        HH_DATA_DIR: dataDir,
        HH_ACCESS_CODE: ACCESS_CODE,
        HH_ADMIN_EMAIL: "admin@example.org",
        HH_ADMIN_PASSWORD: "plum orchard lantern",
        HH_WORKERS: "0",
        // No sample video here: the worker server below makes one for landing.spec.ts.
        HH_SAMPLE_VIDEO: "off",
        // Every test signs in from 127.0.0.1: one client address, far more sign-ins than a person's.
        HH_SIGNIN_ATTEMPTS_PER_CLIENT: "100000",
        HH_SMTP_URL: `smtp://127.0.0.1:${MAIL_PORT}`,
        HH_MAIL_FROM: "Hidden Hill <no-reply@example.org>",
        LEPTOS_SITE_ROOT: "../target/site",
        RUST_LOG: "info",
      },
    },
    {
      command: `/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:${MAIL_PORT} -c aiosmtpd.handlers.Mailbox ${MAILDIR}`,
      port: MAIL_PORT,
      timeout: 30_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      command: `./serve-on-garage.sh ${garageDir}`,
      url: `http://127.0.0.1:${WORKER_PORT}/health`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        HH_LISTEN: `127.0.0.1:${WORKER_PORT}`,
        HH_DATA_DIR: workerDataDir,
        HH_ACCESS_CODE: ACCESS_CODE,
        HH_WORKERS: "1",
        // The landing page's sample video is made at start, as on a new installation.
        HH_SAMPLE_VIDEO: "on",
        HH_SIGNIN_ATTEMPTS_PER_CLIENT: "100000",
        LEPTOS_SITE_ROOT: "../target/site",
        RUST_LOG: "info",
      },
    },
  ],
});
