import { test, expect, USERS } from "./fixtures";

test("the app hydrates under the CSP and navigates without reloading", async ({ page, signIn }) => {
  await signIn(USERS.admin);
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  const csp = (await page.request.get("/login")).headers()["content-security-policy"];
  expect(csp).toContain("'nonce-");

  // A client-side navigation keeps the same document.
  await page.evaluate(() => ((window as any).__kycMarker = 1));
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__kycMarker)).toBe(1);
});
