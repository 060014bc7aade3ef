import { test, expect, USERS, PASSWORD } from "./fixtures";

test("an anonymous visitor is sent to the sign-in page and, signed in, to the page asked for", async ({ page, javaScriptEnabled }) => {
  await page.goto("/admin/users?q=x");
  await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Fusers%3Fq%3Dx$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  if (javaScriptEnabled) await page.waitForSelector("body[data-hydrated]");
  await page.getByLabel("E-mail").fill(USERS.admin);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/users\?q=x$/);
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
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("Wrong e-mail or password.");
  await expect(page).toHaveURL(/\/login/);

  // The right password still works afterwards (one failure does not lock).
  await page.getByLabel("E-mail").fill(USERS.manager);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
});

test("a reviewer signs in through the company's identity provider", async ({ page, open }) => {
  await open("/login?next=%2Fcustomers");
  await page.getByRole("button", { name: "Sign in with the sandbox identity provider" }).click();
  // The identity provider's own page (the sandbox's stand-in).
  await expect(page.getByRole("heading", { name: "Sandbox identity provider" })).toBeVisible();
  await page.getByLabel("E-mail").fill(USERS.reviewer);
  await page.getByRole("button", { name: "Sign in to the sandbox" }).click();
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.locator(".role-badge")).toHaveText("Reviewer");
});

test("a single sign-on the identity provider cannot vouch for is refused with a plain message", async ({ page, open }) => {
  await open("/login");
  await page.getByRole("button", { name: "Sign in with the sandbox identity provider" }).click();
  await page.getByLabel("E-mail").fill(USERS.reviewer);
  await page.getByLabel("Answer").selectOption("unverified_email");
  await page.getByRole("button", { name: "Sign in to the sandbox" }).click();
  await expect(page).toHaveURL(/\/login\?sso=unverified$/);
  await expect(page.getByRole("alert")).toContainText("has not verified your e-mail address");
});
