import { test, expect, USERS } from "./fixtures";

test("the app's interactive parts hydrate under the CSP", async ({ page, signIn, open }) => {
  await signIn(USERS.admin);
  await open("/");
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  const csp = (await page.request.get("/login")).headers()["content-security-policy"];
  expect(csp).toContain("'nonce-");
  // Pages are server-rendered; the keyboard shortcuts are the island.
  await page.keyboard.press("?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await page.getByRole("button", { name: "Close" }).click();
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeHidden();
});
