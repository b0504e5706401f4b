import { expect, test } from "@playwright/test";
import { MAILDIR } from "../playwright.config";
import { expectNoSidewaysScroll, logOut, open, register, uniqueEmail, watchForPanics, ACCESS_CODE, PASSWORD } from "./helpers";

test("a person signs up, logs out and logs back in", async ({ page }, testInfo) => {
  const panics = watchForPanics(page);
  const email = uniqueEmail("ada");
  await register(page, email);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
  await expect(page.getByTestId("welcome")).toContainText(email);
  await page.screenshot({ path: testInfo.outputPath("signed-in.png"), fullPage: true });

  // The session survives a reload: it is a cookie, not page state.
  await page.reload();
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);

  await logOut(page);

  await open(page, "/login");
  await page.getByLabel("Email").fill(email.toUpperCase());
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
  expect(panics).toEqual([]);
});

test("a wrong access code is explained next to its field", async ({ page }) => {
  await register(page, uniqueEmail("eve"), PASSWORD, "not-the-code");
  const field = page.getByLabel("Access code");
  await expect(page.locator("#field-access_code-error")).toContainText("access code is not right");
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
});

test("a weak password is refused with a reason", async ({ page }) => {
  await register(page, uniqueEmail("weak"), "password123");
  await expect(page.locator("#field-password-error")).toContainText("most common");
});

test("a wrong password does not log in", async ({ page }) => {
  await open(page, "/login");
  await page.getByLabel("Email").fill(uniqueEmail("nobody"));
  await page.getByLabel("Password").fill("some wrong password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "do not match" })).toBeVisible();
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
});

test("the home page fits a phone screen and unknown pages say so", async ({ page }, testInfo) => {
  await open(page, "/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("scientific paper");
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: testInfo.outputPath("home.png"), fullPage: true });

  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "We could not find that page" })).toBeVisible();
});

test("the profile shows the account and changes the password", async ({ page }, testInfo) => {
  const panics = watchForPanics(page);
  const email = uniqueEmail("profile");
  await register(page, email);
  await expect(page.getByTestId("welcome")).toBeVisible();
  await open(page, "/profile");
  await expect(page.getByTestId("profile-email")).toHaveText(email);
  await expect(page.getByTestId("profile-month")).toHaveText("0");
  // Made today, not in 1970 (the accounts table keeps seconds, the pages show milliseconds).
  await expect(page.getByTestId("profile-since")).toContainText(`Member since ${new Date().getUTCDate()} `);
  await expect(page.getByTestId("profile-since")).toContainText(String(new Date().getUTCFullYear()));
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password").fill("quiet harbour violin");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#field-current_password-error")).toHaveText("That is not your current password.");
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("quiet harbour violin");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByTestId("password-changed")).toContainText("Password changed");
  await expectNoSidewaysScroll(page);
  await page.screenshot({ path: testInfo.outputPath("profile.png"), fullPage: true });
  expect(panics).toEqual([]);
});

test("a new account is welcomed, and welcomed back once it has made something", async ({ page }) => {
  const email = uniqueEmail("newcomer");
  await register(page, email);
  await expect(page.getByTestId("welcome")).toHaveText(`Welcome, ${email}.`);
  await page.reload();
  await expect(page.getByTestId("welcome")).toHaveText(`Welcome, ${email}.`);
  expect((await page.request.post("/api/jobs", { data: { source: "PMC7096066" } })).status()).toBe(201);
  await page.reload();
  await expect(page.getByTestId("welcome")).toHaveText(`Welcome back, ${email}.`);
});

test("a short password is explained under its field before anything is sent, and old errors go", async ({ page }) => {
  const panics = watchForPanics(page);
  // An error from the server first: the wrong access code.
  await register(page, uniqueEmail("short"), PASSWORD, "not-the-code");
  await expect(page.locator("#field-access_code-error")).toContainText("access code is not right");

  // Then a password under the minimum: our own words under the field, the old error gone,
  // and nothing sent.
  let sent = 0;
  page.on("request", (request) => {
    if (request.url().includes("/api/register")) sent += 1;
  });
  await page.getByLabel("Password").fill("short");
  await page.getByLabel("Access code").fill(ACCESS_CODE);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#field-password-error")).toHaveText("Use at least 10 characters.");
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Password")).toBeFocused();
  await expect(page.locator("#field-access_code-error")).toBeEmpty();
  await expect(page.getByLabel("Access code")).not.toHaveAttribute("aria-invalid", "true");
  expect(sent).toBe(0);

  // Long enough: the message goes as soon as the field passes.
  await page.getByLabel("Password").fill("long enough now, surely");
  await expect(page.locator("#field-password-error")).toBeEmpty();

  // The server checks too (the browser's check removed, as a script would skip it).
  await page.getByLabel("Password").evaluate((input) => input.removeAttribute("minlength"));
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#field-password-error")).toContainText("Use at least 10 characters");
  expect(sent).toBe(1);
  expect(panics).toEqual([]);
});

test("changing the password: a short new one is explained, and the old error goes", async ({ page }) => {
  await register(page, uniqueEmail("changer"));
  await expect(page.getByTestId("welcome")).toBeVisible();
  await open(page, "/profile");
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password").fill("quiet harbour violin");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#field-current_password-error")).toHaveText("That is not your current password.");

  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill("tiny");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#field-new_password-error")).toHaveText("Use at least 10 characters.");
  await expect(page.locator("#field-current_password-error")).toBeEmpty();
  await expect(page.getByLabel("New password")).toBeFocused();

  await page.getByLabel("New password").fill("quiet harbour violin");
  await expect(page.locator("#field-new_password-error")).toBeEmpty();
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByTestId("password-changed")).toContainText("Password changed");
});

/** The link to `page` (reset-password, confirm-email) mailed to `email`, once the test SMTP server has it. */
async function mailedLink(email: string, page: string): Promise<string> {
  const { readdirSync, readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const dir = join(MAILDIR, "new");
  for (let i = 0; i < 100; i++) {
    let files: string[] = [];
    try {
      files = readdirSync(dir);
    } catch {
      // Not there until the first message arrives.
    }
    for (const file of files) {
      // Quoted-printable: soft line breaks and "=" written as "=3D".
      const text = readFileSync(join(dir, file), "utf8").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
      const link = text.match(new RegExp(`https?://\\S+/${page}\\?token=[0-9a-f]{64}`));
      if (text.includes(`To: ${email}`) && link) return link[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`no ${page} mail for ${email}`);
}

test("a forgotten password is reset through the link in the mail", async ({ page }) => {
  const panics = watchForPanics(page);
  const email = uniqueEmail("forgetful");
  await register(page, email);
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
  await logOut(page);

  await open(page, "/login");
  await page.getByTestId("forgot-password").click();
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page.getByTestId("reset-sent")).toContainText("on its way");

  const link = new URL(await mailedLink(email, "reset-password"));
  await open(page, link.pathname + link.search);
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  const newPassword = "quiet river lighthouse 42";
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);

  // The link worked once: opened again, it is refused with a way on.
  await open(page, link.pathname + link.search);
  await page.getByLabel("New password").fill("another river lighthouse 43");
  await page.getByRole("button", { name: "Set the new password" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "expired or was used" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Ask for a new link" })).toBeVisible();

  // The new password is the one that logs in.
  await logOut(page);
  await open(page, "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(newPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
  expect(panics).toEqual([]);
});

test("deleting my account needs my address typed, then logs me out for good", async ({ page }) => {
  const panics = watchForPanics(page);
  const email = uniqueEmail("leaving");
  await register(page, email);
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
  await open(page, "/profile");
  const confirm = page.getByLabel("Type your e-mail address to confirm");
  await confirm.fill("someone-else@example.org");
  await page.getByTestId("delete-account").click();
  await expect(page.locator("#field-email-error")).toContainText("exactly");
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);

  await confirm.fill(email);
  await page.getByTestId("delete-account").click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);
  // The account is gone: its password logs nobody in.
  await open(page, "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.locator("#login-error")).toContainText("do not match an account");
  expect(panics).toEqual([]);
});

test("a new e-mail address takes effect through the link mailed to it", async ({ page }) => {
  const panics = watchForPanics(page);
  const email = uniqueEmail("moving");
  const newEmail = uniqueEmail("moved");
  await register(page, email);
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);
  await open(page, "/profile");
  await expect(page.getByTestId("email-unconfirmed")).toBeVisible();
  await page.getByLabel("New e-mail address").fill(newEmail);
  await page.getByLabel("Your password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change e-mail address" }).click();
  await expect(page.getByTestId("email-change")).toContainText(`We sent a link to ${newEmail}`);
  await expect(page.getByTestId("signed-in-as")).toHaveText(email);

  const link = new URL(await mailedLink(newEmail, "confirm-email"));
  await open(page, link.pathname + link.search);
  await expect(page.getByRole("heading", { name: "Confirm your e-mail address" })).toBeVisible();
  await page.getByTestId("confirm-email").click();
  await expect(page.getByTestId("email-confirmed")).toContainText(`Your address is now ${newEmail}`);
  await expect(page.getByTestId("signed-in-as")).toHaveText(newEmail);
  await open(page, "/profile");
  await expect(page.getByTestId("profile-email")).toHaveText(newEmail);
  await expect(page.getByTestId("email-unconfirmed")).toHaveCount(0);

  // Used once: opened again, the link is refused and a new one can be asked for.
  await open(page, link.pathname + link.search);
  await page.getByTestId("confirm-email").click();
  await expect(page.locator("#confirm-error")).toContainText("expired or was used");
  await expect(page.getByRole("button", { name: "Send me a new link" })).toBeVisible();
  expect(panics).toEqual([]);
});
