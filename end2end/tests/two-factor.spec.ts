import { createHmac } from "node:crypto";
import { Page } from "@playwright/test";
import { test, expect, USERS, PASSWORD } from "./fixtures";

/** RFC 6238 (SHA-1, 6 digits, 30 s) from the base32 key the page shows, as an app computes it. */
function totp(key: string, atMs: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const c of key.replace(/\s/g, "").toUpperCase()) {
    value = ((value << 5) | alphabet.indexOf(c)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
  const mac = createHmac("sha1", Buffer.from(bytes)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
}

async function password(page: Page, open: (p: string) => Promise<void>, email: string) {
  await open("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

test("an officer sets up an authenticator app, then signs in with a code and once with a recovery code", async ({ page, open, signIn, unique }) => {
  const email = `tf-${unique}@example.test`;
  await signIn(USERS.admin);
  await open("/admin/users");
  const form = page.getByRole("region", { name: "Add a user" });
  await form.getByLabel("E-mail").fill(email);
  await form.getByLabel("Name").fill("Tara Twofactor");
  await form.getByLabel("Role").selectOption("compliance_officer");
  await form.getByLabel("Initial password").fill(PASSWORD);
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("heading", { name: "Tara Twofactor", level: 1 })).toBeVisible();
  await signOut(page);

  // Set up, from the account page (linked from the top bar).
  await signIn(email);
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByRole("heading", { name: "Two-factor sign-in", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByRole("img", { name: "QR code of the key for your authenticator app" })).toBeVisible();
  const key = (await page.locator(".totp-secret").textContent()) ?? "";
  const codes = await page.getByRole("list", { name: "Recovery codes" }).locator("code").allTextContents();
  expect(codes).toHaveLength(10);
  await page.getByLabel("Code from the app").fill(totp(key, Date.now()));
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(page.getByRole("status")).toContainText("10 of your recovery codes are left");
  await signOut(page);

  // The password alone opens nothing; the app's code does (the next step's: each code works once).
  await password(page, open, email);
  await expect(page).toHaveURL(/\/login\/second-factor/);
  await page.goto("/customers");
  await expect(page).toHaveURL(/\/login\/second-factor\?next=%2Fcustomers$/);
  await page.getByLabel("Code").fill(totp(key, Date.now() + 30_000));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/customers$/);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Customers" })).toBeVisible();
  await signOut(page);

  // A recovery code works once.
  await password(page, open, email);
  await page.getByLabel("Code").fill(codes[0]);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Customers" })).toBeVisible();
  await signOut(page);

  await password(page, open, email);
  await page.getByLabel("Code").fill(codes[0]);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.locator("#code-error")).toContainText("That code did not work.");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Customers" })).toHaveCount(0);
});

test("an admin resets a lost second factor", async ({ page, open, signIn, unique }) => {
  const email = `tf-reset-${unique}@example.test`;
  await signIn(USERS.admin);
  await open("/admin/users");
  const form = page.getByRole("region", { name: "Add a user" });
  await form.getByLabel("E-mail").fill(email);
  await form.getByLabel("Name").fill("Rex Reset");
  await form.getByLabel("Role").selectOption("reviewer");
  await form.getByLabel("Initial password").fill(PASSWORD);
  await form.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("heading", { name: "Rex Reset", level: 1 })).toBeVisible();
  const userPage = page.url();
  await signOut(page);

  await signIn(email);
  await open("/account/two-factor");
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  const key = (await page.locator(".totp-secret").textContent()) ?? "";
  await page.getByLabel("Code from the app").fill(totp(key, Date.now()));
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await expect(page.getByRole("status")).toContainText("recovery codes are left");
  await signOut(page);

  await signIn(USERS.admin);
  await page.goto(userPage);
  await expect(page.locator(".summary")).toContainText("Two-factor sign-in");
  await page.getByRole("button", { name: "Reset two-factor sign-in" }).click();
  await expect(page.getByRole("button", { name: "Reset two-factor sign-in" })).toHaveCount(0);
  await expect(page.locator(".summary")).toContainText("Not set up");
  await signOut(page);

  // The password alone signs in again (a reviewer: the demo's policy asks no second factor).
  await password(page, open, email);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Customers" })).toBeVisible();
});
