import { test, expect, USERS, newCase } from "./fixtures";

test("a manager filters the log to one reviewer's decisions, opens one and exports them as CSV", async ({ page, signIn, open, unique }) => {
  await signIn(USERS.reviewer);
  const path = await newCase(page, open, unique, 8, `Audrey Audit ${unique}`);
  const caseId = path.split("/").pop();
  await open(path);
  await page.getByRole("button", { name: "Claim (c)" }).click();
  await page.getByLabel("Decline (d)").check();
  await page.getByLabel("Reason").selectOption("NAME_MISMATCH");
  const note = `Surname differs between passport and application (${unique}).`;
  await page.getByLabel("Note (what you checked and why)").fill(note);
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByRole("status")).toContainText(`Decision recorded on case #${caseId}`);

  await page.context().clearCookies();
  await signIn(USERS.manager);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  await page.getByLabel("Actor").selectOption({ label: "Rita Reviewer (reviewer)" });
  await page.getByLabel("Action").selectOption("decision.made");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=decision\.made/);
  const rows = page.locator("table.audit tbody tr");
  await expect(rows.first()).toBeVisible();
  for (const row of await rows.all()) {
    await expect(row).toContainText("decision.made");
    await expect(row).toContainText("Rita Reviewer");
  }
  await expect(rows.filter({ hasText: note })).toHaveCount(1);

  // The row links its event (by number) and its case.
  const row = rows.filter({ hasText: note });
  await expect(row.getByRole("link", { name: `Case #${caseId}` })).toHaveAttribute("href", `/cases/${caseId}`);
  await row.getByRole("link", { name: /^\d+$/ }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("decision.made");
  await expect(page.getByText(note).first()).toBeVisible();
  await page.goBack();

  // The link downloads the filtered range; fetch what it points at with the manager's session.
  const link = page.getByRole("link", { name: "CSV" });
  await expect(link).toHaveAttribute("download");
  const href = await link.getAttribute("href");
  expect(href).toMatch(/^\/audit\/export\.csv\?.*action=decision\.made/);
  const res = await page.request.get(href as string);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-disposition"]).toMatch(/^attachment;/);
  const csv = await res.text();
  const lines = csv.trim().split(/\r?\n/);
  expect(lines[0]).toMatch(/^seq,occurred_at,actor_user_id,actor_role,/);
  const events = lines.filter((l) => /^\d+,/.test(l));
  expect(events.length).toBeGreaterThan(0);
  for (const line of events) expect(line).toContain("decision.made");
  expect(csv).toContain(note);
  expect(lines[lines.length - 1], "the export ends with its signed checkpoint").toMatch(/^checkpoint,\d+,[0-9a-f]{64},/);
});

test("a reviewer can neither find nor open the audit log", async ({ page, signIn, open }) => {
  await signIn(USERS.reviewer);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" })).toHaveCount(0);
  await open("/audit");
  await expect(page.getByText("Your role does not allow this.")).toBeVisible();
  await expect(page.locator("table.audit")).toHaveCount(0);
  const res = await page.request.get("/audit/export.csv");
  expect(res.status()).toBe(403);
});

test("a manager reads the metrics as charts with their figures", async ({ page, signIn }) => {
  await signIn(USERS.manager);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Metrics" }).click();
  await expect(page.getByRole("heading", { name: "Metrics", level: 1 })).toBeVisible();
  await expect(page.getByRole("img", { name: /Chart of approved and declined decisions per day/ })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Open queue by age" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Open cases by age" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Per reviewer" })).toBeVisible();
  await page.getByLabel("From (UTC)").fill("2026-11-02");
  await page.getByLabel("To (UTC)").fill("2026-11-01");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page.getByRole("alert")).toContainText("The first day must not be after the last day.");
});
