import { test, expect, USERS, PASSWORD } from "./fixtures";

test("an anonymous visitor is sent to the sign-in page", async ({ page }) => {
  await page.goto("/admin/users");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("a reviewer signs in and out", async ({ page, signIn }) => {
  await signIn(USERS.reviewer);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await expect(page.locator(".role-badge")).toHaveText("Reviewer");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  // The old session is gone: the home page sends us back to sign in.
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
});

test("a wrong password is refused with a plain message", async ({ page, open }) => {
  await open("/login");
  await page.getByLabel("E-mail").fill(USERS.manager);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("Wrong e-mail or password.");
  await expect(page).toHaveURL(/\/login/);

  // The right password still works afterwards (one failure does not lock).
  await page.getByLabel("E-mail").fill(USERS.manager);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
});
