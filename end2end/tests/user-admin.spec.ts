import { test, expect, USERS, PASSWORD } from "./fixtures";

test("an admin creates a reviewer who signs in and cannot open user admin", async ({ page, open, signIn, unique }) => {
  const email = `rev-${unique}@example.test`;
  await signIn(USERS.admin);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();

  const form = page.getByRole("region", { name: "Add a user" });
  await form.getByLabel("E-mail").fill(email);
  await form.getByLabel("Name").fill("Nina New");
  await form.getByLabel("Role").selectOption("reviewer");
  await form.getByLabel("Initial password").fill(PASSWORD);
  await form.getByRole("button", { name: "Add user" }).click();

  await expect(page.getByRole("heading", { name: "Nina New", level: 1 })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  await signIn(email);
  await expect(page.locator(".role-badge")).toHaveText("Reviewer");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" })).toHaveCount(0);

  await open("/admin/users");
  await expect(page.getByRole("alert")).toContainText("Your role does not allow this.");
  await expect(page.getByRole("table")).toHaveCount(0);
});

test("a short password is refused next to its field and nothing is created", async ({ page, signIn, unique }) => {
  const email = `short-${unique}@example.test`;
  await signIn(USERS.admin);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  const form = page.getByRole("region", { name: "Add a user" });
  await form.getByLabel("E-mail").fill(email);
  await form.getByLabel("Name").fill("Shorty");
  // Bypass the browser's own minlength check to reach the server's rule.
  await form.getByLabel("Initial password").evaluate((el) => el.removeAttribute("minlength"));
  await form.getByLabel("Initial password").fill("too short");
  await form.getByRole("button", { name: "Add user" }).click();

  await expect(page.locator("#password-error")).toHaveText("Use at least 12 characters.");
  await expect(page.getByRole("cell", { name: email })).toHaveCount(0);
});

test("an admin disables and re-enables a user", async ({ page, signIn, unique }) => {
  const email = `dis-${unique}@example.test`;
  await signIn(USERS.admin);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  const form = page.getByRole("region", { name: "Add a user" });
  await form.getByLabel("E-mail").fill(email);
  await form.getByLabel("Name").fill("Dina Disabled");
  await form.getByLabel("Role").selectOption("manager");
  await form.getByLabel("Initial password").fill(PASSWORD);
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("heading", { name: "Dina Disabled" })).toBeVisible();

  await page.getByRole("button", { name: "Disable account" }).click();
  await expect(page.locator(".summary")).toContainText("Disabled");
  await page.getByRole("button", { name: "Enable account" }).click();
  await expect(page.locator(".summary")).toContainText("Active");

  await page.getByRole("combobox", { name: "Role" }).selectOption("compliance_officer");
  await page.getByRole("button", { name: "Change role" }).click();
  await expect(page.locator(".summary")).toContainText("Compliance officer");
});
