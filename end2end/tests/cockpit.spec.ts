import { test, expect, USERS, PASSWORD, newCase } from "./fixtures";

test("at 1440 px the checks and the decision panel are both in view after a claim", async ({ page, signIn, open, unique }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(USERS.reviewer);
  const path = await newCase(page, open, unique, 8, `Wide Wendy ${unique}`);
  await open(path);
  await expect(page.locator("#why")).toContainText("Why this case needs review:");
  await page.getByRole("button", { name: "Claim (c)" }).click();
  await expect(page.getByRole("button", { name: "Record decision" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Checks" })).toBeInViewport();
  await expect(page.getByRole("button", { name: "Record decision" })).toBeInViewport();
  // The panel stays in view while the evidence scrolls.
  await page.mouse.wheel(0, 600);
  await expect(page.getByRole("heading", { name: "Decision", exact: true })).toBeInViewport();
});

test("at 390 px the evidence comes first, then the decision, in one column", async ({ page, signIn, open, unique }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(USERS.reviewer);
  const path = await newCase(page, open, unique, 8, `Narrow Nina ${unique}`);
  await open(path);
  await page.getByRole("button", { name: "Claim (c)" }).click();
  await expect(page.getByRole("button", { name: "Record decision" })).toBeVisible();
  const checks = await page.getByRole("heading", { name: "Checks" }).boundingBox();
  const decision = await page.getByRole("heading", { name: "Decision", exact: true }).boundingBox();
  expect(checks && decision && checks.y < decision.y).toBeTruthy();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test("a reviewer on a sanctions hit is offered escalation only", async ({ page, signIn, open, unique }) => {
  await signIn(USERS.reviewer);
  const path = await newCase(page, open, unique, 5, `Sid Sanctions ${unique}`);
  await open(path);
  await expect(page.getByRole("heading", { name: "Ask the provider again" })).toHaveCount(0);
  await page.getByRole("button", { name: "Claim (c)" }).click();
  await expect(page.getByRole("button", { name: "Escalate to compliance officers" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Record decision" })).toHaveCount(0);
  await expect(page.locator("#why")).toContainText(/sanction/i);
  // Having the case, the reviewer may ask the provider again (after the checks).
  await expect(page.getByRole("heading", { name: "Ask the provider again" })).toBeVisible();
});

test("a closed case says what happened and no longer asks to be claimed", async ({ page, signIn, open, unique }) => {
  await signIn(USERS.reviewer);
  const path = await newCase(page, open, unique, 8, `Cleo Closed ${unique}`);
  await open(path);
  await page.getByRole("button", { name: "Claim (c)" }).click();
  await page.getByLabel("Decline (d)").check();
  await page.getByLabel("Reason").selectOption("NAME_MISMATCH");
  await page.getByLabel("Note (what you checked and why)").fill("The surname on the ID is a different one.");
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByRole("status")).toContainText("Decision recorded");
  await open(path);
  await expect(page.getByRole("heading", { name: /^Declined — Name mismatch \(resubmission requested\) — by Rita Reviewer/ })).toBeVisible();
  await expect(page.locator(".card.outcome")).toContainText("The surname on the ID is a different one.");
  await expect(page.locator("#why")).toHaveCount(0);
  await expect(page.getByText("Claim the case")).toHaveCount(0);
});

test("a decision from before a colleague's note is refused with that note", async ({ page, browser, signIn, open, unique, javaScriptEnabled }) => {
  await signIn(USERS.reviewer);
  const path = await newCase(page, open, unique, 8, `Nell Noted ${unique}`);
  await open(path);
  await page.getByRole("button", { name: "Claim (c)" }).click();
  await expect(page.getByRole("button", { name: "Record decision" })).toBeVisible();

  // Meanwhile an officer adds a note in another browser.
  const other = await browser.newContext({ javaScriptEnabled });
  const officer = await other.newPage();
  await officer.goto("/login");
  if (javaScriptEnabled) await officer.waitForSelector("body[data-hydrated]");
  await officer.getByLabel("E-mail").fill(USERS.officer);
  await officer.getByLabel("Password").fill(PASSWORD);
  await officer.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(officer.getByRole("navigation", { name: "Main" })).toBeVisible();
  await officer.goto(path);
  if (javaScriptEnabled) await officer.waitForSelector("body[data-hydrated]");
  await officer.getByLabel("Add a note (n)").fill(`Second page of the ID shows a middle name ${unique}.`);
  await officer.getByRole("button", { name: "Add note" }).click();
  await expect(officer.locator("ol.notes")).toContainText("middle name");
  await other.close();

  await page.getByLabel("Decline (d)").check();
  await page.getByLabel("Reason").selectOption("NAME_MISMATCH");
  await page.getByLabel("Note (what you checked and why)").fill("Names differ between the ID and the application.");
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByRole("alert").first()).toContainText("Oscar Officer added a note since you opened this case");
  await expect(page.locator("ol.notes")).toContainText(`middle name ${unique}`);
  await expect(page.locator(".status-line")).toContainText("In review");
  // Nothing typed is lost: the decision, the reason and the note are still there.
  await expect(page.getByLabel("Decline (d)")).toBeChecked();
  await expect(page.getByLabel("Reason")).toHaveValue("NAME_MISMATCH");
  await expect(page.getByLabel("Note (what you checked and why)")).toHaveValue("Names differ between the ID and the application.");
  // Having read the note, the same form goes through.
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByRole("status")).toContainText("Decision recorded");
});

test("choosing decline leaves only the reasons for declining", async ({ page, signIn, open, unique, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, "without JavaScript both groups stay; the server refuses a reason that does not fit");
  await signIn(USERS.reviewer);
  const path = await newCase(page, open, unique, 8, `Rhea Reasons ${unique}`);
  await open(path);
  await page.getByRole("button", { name: "Claim (c)" }).click();
  await page.getByLabel("Decline (d)").check();
  await expect(page.locator("#reason optgroup[label='Approve']")).toBeDisabled();
  await expect(page.locator("#reason optgroup[label='Decline']")).toBeEnabled();
  await page.getByLabel("Approve (a)").check();
  await expect(page.locator("#reason optgroup[label='Decline']")).toBeDisabled();
});

test("an officer sees the inboxes that wait for them, with counts", async ({ page, signIn, open }) => {
  await signIn(USERS.officer);
  await open("/");
  const show = page.getByRole("group", { name: "Show" });
  await expect(show.getByLabel(/^Mine \(\d+\+?\)$/)).toBeVisible();
  await expect(show.getByLabel(/^Unassigned \(\d+\+?\)$/)).toBeVisible();
  await expect(show.getByLabel(/^Escalated \(\d+\+?\)$/)).toBeVisible();
  await expect(show.getByLabel(/^Awaiting my confirmation \(\d+\+?\)$/)).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(USERS.reviewer);
  await open("/");
  await expect(page.getByRole("group", { name: "Show" }).getByLabel(/^Escalated/)).toHaveCount(0);
});

test("filters come back with the values they applied", async ({ page, signIn, open }) => {
  await signIn(USERS.officer);
  await open("/?view=all");
  await page.getByLabel("Older than (hours)").fill("2");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/age=2/);
  await expect(page.getByLabel("Older than (hours)")).toHaveValue("2");
  await open("/customers?q=demo&country=KZ");
  await expect(page.getByLabel("Country", { exact: true })).toHaveValue("KZ");
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(USERS.manager);
  await open("/audit?from=2026-01-02&to=2026-12-31");
  await expect(page.getByLabel("From (UTC)")).toHaveValue("2026-01-02");
  await expect(page.getByLabel("To (UTC)")).toHaveValue("2026-12-31");
});

test("an unknown address and a page the role may not open keep the app and say so plainly", async ({ page, signIn, open }) => {
  await signIn(USERS.reviewer);
  await open("/no-such-page");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await open("/audit");
  await expect(page.getByRole("alert")).toContainText("Your role does not allow this.");
  await expect(page.getByRole("button", { name: "Filter" })).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
});

test("at 390 px the top bar folds into a menu and nothing scrolls sideways", async ({ page, signIn, open }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(USERS.officer);
  await open("/");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav).toBeHidden();
  await page.locator("label.menu-button").click();
  await expect(nav.getByRole("link", { name: "Customers" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1440, height: 900 });
  await open("/");
  await expect(page.locator("label.menu-button")).toBeHidden();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
});

test("a refused sign-in keeps the e-mail typed", async ({ page, open }) => {
  await open("/login");
  await page.getByLabel("E-mail").fill("typo@example.test");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.getByLabel("E-mail")).toHaveValue("typo@example.test");
  await expect(page.getByLabel("Password")).toHaveValue("");
});

test("the audit log reads as a story: actions in words, entities linked", async ({ page, signIn, open }) => {
  await signIn(USERS.manager);
  await open("/audit?action=decision.made");
  const row = page.locator("table.audit tbody tr").first();
  await expect(row).toContainText("Decision recorded");
  await row.getByRole("link", { name: /^Case #\d+$/ }).click();
  await expect(page).toHaveURL(/\/cases\/\d+$/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
});

test("metrics answer whether the team keeps up, in the window shown", async ({ page, signIn, open }) => {
  await signIn(USERS.manager);
  await open("/metrics");
  const now = page.getByRole("definition").filter({ has: page.locator("a") });
  await expect(page.getByText("Open now", { exact: true })).toBeVisible();
  await expect(page.getByText("Awaiting second approval", { exact: true })).toBeVisible();
  await expect(page.getByText("Failed pushes", { exact: true })).toBeVisible();
  await expect(now.first()).toBeVisible();
  await expect(page.getByRole("img", { name: /Chart of cases received and decided per day/ })).toBeVisible();
  await expect(page.getByRole("table", { name: "Open cases by provider" })).toBeVisible();
  // The default window is in the date inputs, and a preset sets another.
  await expect(page.getByLabel("From (UTC)")).toHaveValue(/^\d{4}-\d{2}-\d{2}$/);
  await expect(page.getByLabel("To (UTC)")).toHaveValue(/^\d{4}-\d{2}-\d{2}$/);
  await page.getByRole("link", { name: "Last 7 days" }).click();
  await expect(page).toHaveURL(/from=\d{4}-\d{2}-\d{2}&to=/);
  await expect(page.getByRole("link", { name: "Last 7 days" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByText(/\(UTC, 7 days\)/)).toBeVisible();
  // An aging bucket opens the queue of cases at least that old.
  await page.getByRole("table", { name: "Open cases by age" }).getByRole("link").first().click();
  await expect(page).toHaveURL(/view=all&age=\d+/);
});

test("a sanctions hit shows what the provider sent about it, its codes in plain words", async ({ page, signIn, open, unique }) => {
  await signIn(USERS.reviewer);
  const path = await newCase(page, open, unique, 5, `Hana Hit ${unique}`);
  await open(path);
  const panel = page.locator("section.hit-panel");
  await expect(panel.getByRole("heading", { name: "Watch-list screening hit" })).toBeVisible();
  // The list is named before any reveal; the provider's own words stay masked until then.
  await expect(panel).toContainText("OFAC (US)");
  await expect(panel).not.toContainText("Match found on OFAC list");
  await expect(panel.locator(".code-note")).toHaveText("sanctionsListCheck");
});

test("Eclipse's earlier ratify results are part of the customer's story", async ({ page, signIn, open }) => {
  await signIn(USERS.reviewer);
  await open("/customers?q=demo-eclipse-name-mismatch");
  await page.locator("table a[href^='/customers/']").first().click();
  await expect(page.getByRole("article", { name: /^Eclipse · case #\d+ · received / })).toBeVisible();
  await page.locator("article.verification h3 a").first().click();
  const earlier = page.locator("section", { has: page.getByRole("heading", { name: "Earlier Eclipse results" }) });
  await expect(earlier).toBeVisible();
  await expect(earlier.getByRole("listitem")).toHaveCount(1);
  await expect(earlier).toContainText("2026-05-02 07:13:44");
});

test("a refused new customer comes back with everything typed", async ({ page, signIn, open, unique }) => {
  await signIn(USERS.reviewer);
  await open("/customers/new");
  await page.getByLabel("External id").fill(`draft-${unique}`);
  await page.getByLabel("Name", { exact: true }).fill(`Dana Draft ${unique}`);
  await page.getByRole("group", { name: "Eclipse" }).getByLabel("Tenant id").fill("100");
  await page.getByRole("group", { name: "biometric.kz" }).getByLabel("Session id").fill("not-a-uuid");
  await page.getByRole("button", { name: "Add customer" }).click();
  // Eclipse's customer id is missing: the error sits beside that field.
  await expect(page.locator("#eclipse_customer_id-error")).toHaveText("Enter the customer id.");
  await expect(page.getByLabel("External id")).toHaveValue(`draft-${unique}`);
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue(`Dana Draft ${unique}`);
  await expect(page.getByRole("group", { name: "Eclipse" }).getByLabel("Tenant id")).toHaveValue("100");
  await expect(page.getByRole("group", { name: "biometric.kz" }).getByLabel("Session id")).toHaveValue("not-a-uuid");
});
