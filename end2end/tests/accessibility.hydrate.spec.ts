// axe-core runs inside the page, so this needs JavaScript; the DOM it checks is the same server-rendered HTML the no-js project gets.
import AxeBuilder from "@axe-core/playwright";
import { test, expect, USERS } from "./fixtures";

async function seriousViolations(page: import("@playwright/test").Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

test("the sign-in page has no serious accessibility violations", async ({ page, open }) => {
  await open("/login");
  expect(await seriousViolations(page)).toEqual([]);
});

test("the user pages have no serious accessibility violations", async ({ page, signIn }) => {
  await signIn(USERS.admin);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole("link", { name: "Adam Admin" }).click();
  await expect(page.getByRole("heading", { name: "Adam Admin" })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test("the manager's audit log and metrics pages have no serious accessibility violations", async ({ page, signIn }) => {
  await signIn(USERS.manager);
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Audit log" }).click();
  await expect(page.locator("table.audit")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await nav.getByRole("link", { name: "Metrics" }).click();
  await expect(page.getByRole("table", { name: "Per reviewer" })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test("the queue and a case have no serious accessibility violations", async ({ page, signIn, open }) => {
  await signIn(USERS.reviewer);
  await open("/?view=unassigned");
  await expect(page.locator("table.queue")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.locator("table.queue tbody a").first().click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});
