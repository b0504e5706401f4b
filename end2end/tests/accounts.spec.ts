import { expect, test } from "@playwright/test";
import { expectNoSidewaysScroll, open, register, uniqueEmail, watchForPanics, PASSWORD } from "./helpers";

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

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
  await expect(page.getByTestId("signed-in-as")).toHaveCount(0);

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
