import { test, expect, USERS } from "./fixtures";

test("a case's photos stay hidden until the reviewer reveals the customer's personal data with a reason", async ({ page, signIn, open }) => {
  await signIn(USERS.reviewer);
  await open("/customers?q=demo-biometric-kz-face-mismatch");
  await page.locator("table a[href^='/customers/']").first().click();
  const customerPath = new URL(page.url()).pathname;
  const casePath = await page.locator("article.verification h3 a").first().getAttribute("href");
  expect(casePath).toMatch(/^\/cases\/\d+$/);

  await open(casePath as string);
  await expect(page.getByRole("heading", { name: "Photos" })).toBeVisible();
  await expect(page.locator(".photos")).toContainText("hidden with the customer's personal data");
  await expect(page.locator(".photo-list img")).toHaveCount(0);

  await open(customerPath);
  await page.locator("details.reveal summary").click();
  await page.getByLabel("Why do you need to see it?").fill("Comparing the selfie with the ID photo.");
  await page.getByRole("button", { name: "Reveal personal data" }).click();
  await expect(page.getByText("revealed", { exact: true })).toBeVisible();

  await open(casePath as string);
  const photos = page.locator(".photo-list img");
  await expect(photos.first()).toBeVisible();
  const src = await photos.first().getAttribute("src");
  expect(src).toMatch(/^\/cases\/\d+\/media\?path=/);
  const res = await page.request.get(src as string);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toBe("image/jpeg");
  // The demo's photos are drawn pictures, large enough to compare, not single pixels.
  const body = await res.body();
  expect(body.length).toBeGreaterThan(5_000);
});
