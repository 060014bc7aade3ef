import { randomInt } from "node:crypto";
import { test as base, expect, Page } from "@playwright/test";
import { DEMO_PASSWORD } from "../playwright.config";

export { expect };
export const PASSWORD = DEMO_PASSWORD;

export const USERS = {
  reviewer: "reviewer@kyc-desk.test",
  officer: "officer@kyc-desk.test",
  officer2: "officer2@kyc-desk.test",
  manager: "manager@kyc-desk.test",
  admin: "admin@kyc-desk.test",
} as const;

type Fixtures = {
  /** Opens a path and, when JavaScript is on, waits until the app has hydrated. */
  open: (path: string) => Promise<void>;
  /** Signs in through the login form. */
  signIn: (email: string, password?: string) => Promise<void>;
  /** A short suffix unique to this test run and project. */
  unique: string;
};

/**
 * Every test fails if the page logs a Content-Security-Policy violation or
 * throws an uncaught error: the hydrated app must work under the CSP.
 */
export const test = base.extend<Fixtures>({
  page: async ({ page }, use) => {
    const problems: string[] = [];
    page.on("console", (msg) => {
      const text = msg.text();
      if (/Content Security Policy|Refused to (execute|load|apply)/i.test(text)) problems.push(text);
    });
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    await use(page);
    expect(problems, "CSP violations or page errors").toEqual([]);
  },
  open: async ({ page, javaScriptEnabled }, use) => {
    await use(async (path: string) => {
      await page.goto(path);
      if (javaScriptEnabled) await waitForHydration(page);
    });
  },
  signIn: async ({ page, open }, use) => {
    await use(async (email: string, password = PASSWORD) => {
      await open("/login");
      await page.getByLabel("E-mail").fill(email);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      // The signed-in menu (folded at narrow widths, so its presence, not its visibility).
      await expect(page.locator("#menu")).toHaveCount(1);
    });
  },
  unique: async ({}, use, testInfo) => {
    await use(`${testInfo.project.name}-${Date.now().toString(36)}`);
  },
});

export async function waitForHydration(page: Page) {
  await page.waitForSelector("body[data-hydrated]", { timeout: 15_000 });
}

/**
 * A new Eclipse customer in the sandbox's walk-in range. Its last digit
 * picks what the ratification finds: 5 sanctions hit, 8 name mismatch,
 * 0 clean pass. Returns the case page's path once the result has settled.
 */
export async function newCase(page: Page, open: (p: string) => Promise<void>, unique: string, lastDigit: number, name: string) {
  const customerId = String(randomInt(160_000, 170_000) * 10 + lastDigit);
  await open("/customers/new");
  await page.getByLabel("External id").fill(`rev-${unique}-${lastDigit}-${randomInt(1e6)}`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("group", { name: "Eclipse" }).getByLabel("Tenant id").fill("100");
  await page.getByRole("group", { name: "Eclipse" }).getByLabel("Customer id").fill(customerId);
  await page.getByRole("button", { name: "Add customer" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  // The poller reads it within a second; each refresh reads it once more.
  await expect(async () => {
    await page.reload();
    await expect(page.locator("article.verification")).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  const settled = lastDigit === 0 ? "Passed" : "Failed";
  for (let i = 0; i < 5; i++) {
    if ((await page.locator("article.verification .badge").first().textContent())?.trim() === settled) break;
    await page.getByRole("button", { name: "Refresh from provider" }).click();
    await page.waitForLoadState("load");
    await page.waitForTimeout(300);
  }
  await expect(page.locator("article.verification .badge").first()).toHaveText(settled);
  const href = await page.locator("article.verification h3 a").getAttribute("href");
  expect(href).toMatch(/^\/cases\/\d+$/);
  return href as string;
}
