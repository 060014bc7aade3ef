import { test, expect, USERS, newCase } from "./fixtures";

test("a reviewer claims a case and declines it with a reason and a note", async ({ page, signIn, open, unique }) => {
  await signIn(USERS.reviewer);
  const path = await newCase(page, open, unique, 8, `Nora Namemismatch ${unique}`);
  await open(path);
  await page.getByRole("button", { name: "Claim (c)" }).click();
  await expect(page.locator(".status-line")).toContainText("Rita Reviewer");
  await page.getByLabel("Decline (d)").check();
  await page.getByLabel("Reason").selectOption("NAME_MISMATCH");
  await page.getByLabel("Note (what you checked and why)").fill("First name on the ID differs from the application.");
  await page.getByRole("button", { name: "Record decision" }).click();
  // On to the next case, with word that the decision was recorded.
  await expect(page.getByRole("status")).toContainText(`Decision recorded on case #${path.split("/").pop()}`);
  await open(path);
  await expect(page.locator(".status-line")).toContainText("Declined");
  await expect(page.getByText("First name on the ID differs from the application.")).toBeVisible();
});

test("an approval without a note is refused and nothing changes", async ({ page, signIn, open, unique }) => {
  await signIn(USERS.reviewer);
  const path = await newCase(page, open, unique, 0, `Clara Clean ${unique}`);
  await open(path);
  await page.getByRole("button", { name: "Claim (c)" }).click();
  await page.getByLabel("Approve (a)").check();
  await page.getByLabel("Reason").selectOption("UPSTREAM_CHECKS_PASSED");
  // Only spaces: the browser lets it through, the server trims and refuses.
  await page.getByLabel("Note (what you checked and why)").fill("            ");
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.locator("#note-error")).toHaveText("Write a note: what you checked and why you decide so.");
  await open(path);
  await expect(page.locator(".status-line")).toContainText("In review");
});

test("a sanctions hit needs two different compliance officers", async ({ page, signIn, open, unique }) => {
  await signIn(USERS.officer);
  const path = await newCase(page, open, unique, 5, `Sam Sanctions ${unique}`);
  await open(path);
  await expect(page.getByRole("alert").first()).toContainText("Sanctions / PEP / AML hit.");
  await page.getByRole("button", { name: "Claim (c)" }).click();
  await page.getByLabel("Decline (d)").check();
  await page.getByLabel("Reason").selectOption("SANCTIONS_MATCH_CONFIRMED");
  await page.getByLabel("Note (what you checked and why)").fill("OFAC entry matches name and date of birth.");
  await page.getByRole("button", { name: "Propose" }).click();
  await expect(page.getByRole("heading", { name: "Waiting for a second compliance officer" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Confirm" })).toHaveCount(0);

  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(USERS.officer2);
  await open(path);
  await page.getByLabel("Your note").fill("Checked the OFAC entry: same person.");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.locator(".status-line")).toContainText("Declined");
  await expect(page.getByText("Olga Officer", { exact: false }).first()).toBeVisible();
});

test("a stale form gets the conflict message naming who changed the case", async ({ page, browser, signIn, open, unique, javaScriptEnabled }) => {
  await signIn(USERS.reviewer);
  const path = await newCase(page, open, unique, 0, `Stan Stale ${unique}`);
  await open(path);
  await expect(page.getByRole("button", { name: "Claim (c)" })).toBeVisible();

  // Meanwhile an officer claims it in another browser.
  const other = await browser.newContext({ javaScriptEnabled });
  const officer = await other.newPage();
  await officer.goto("/login");
  if (javaScriptEnabled) await officer.waitForSelector("body[data-hydrated]");
  await officer.getByLabel("E-mail").fill(USERS.officer);
  await officer.getByLabel("Password").fill((await import("./fixtures")).PASSWORD);
  await officer.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(officer.getByRole("navigation", { name: "Main" })).toBeVisible();
  await officer.goto(path);
  if (javaScriptEnabled) await officer.waitForSelector("body[data-hydrated]");
  await officer.getByRole("button", { name: "Claim (c)" }).click();
  await expect(officer.locator(".status-line")).toContainText("Oscar Officer");
  await other.close();

  await page.getByRole("button", { name: "Claim (c)" }).click();
  await expect(page.getByRole("alert").first()).toContainText("This case was changed by Oscar Officer");
});
