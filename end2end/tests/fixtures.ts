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
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    });
  },
  unique: async ({}, use, testInfo) => {
    await use(`${testInfo.project.name}-${Date.now().toString(36)}`);
  },
});

export async function waitForHydration(page: Page) {
  await page.waitForSelector("body[data-hydrated]", { timeout: 15_000 });
}
