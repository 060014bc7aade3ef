import { randomBytes, randomInt } from "node:crypto";
import { test, expect, USERS } from "./fixtures";

const hex = (n: number) => randomBytes(Math.ceil(n / 2)).toString("hex").slice(0, n);

test("a reviewer adds a customer with refs to all four providers and sees their verifications appear", async ({
  page,
  signIn,
  unique,
}) => {
  // Ids in the sandbox's walk-in ranges: new upstream records, read on first sight.
  const eclipseCustomer = String(randomInt(1_600_000, 1_700_000));
  const session = `b10e9999-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
  const application = `1de79999-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
  const execution = `exec-sbx-new-${hex(10)}`;

  await signIn(USERS.reviewer);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Customers" }).click();
  await page.getByRole("link", { name: "Add customer" }).click();
  await expect(page.getByRole("heading", { name: "Add customer", level: 1 })).toBeVisible();

  await page.getByLabel("External id").fill(`e2e-${unique}`);
  await page.getByLabel("Name", { exact: true }).fill("Erin Endtoend");
  await page.getByLabel("Country (optional)").fill("za");
  await page.getByRole("group", { name: "Eclipse" }).getByLabel("Tenant id").fill("100");
  await page.getByRole("group", { name: "Eclipse" }).getByLabel("Customer id").fill(eclipseCustomer);
  await page.getByLabel("Session id").fill(session);
  await page.getByLabel("Application id").fill(application);
  await page.getByLabel("Execution id").fill(execution);
  await page.getByRole("button", { name: "Add customer" }).click();

  await expect(page.getByRole("heading", { name: "Erin Endtoend", level: 1 })).toBeVisible();
  const refs = page.locator("ul.refs > li");
  await expect(refs).toHaveCount(4);

  // The poller reads new references within seconds: reload until all four show.
  await expect(async () => {
    await page.reload();
    await expect(page.locator("article.verification")).toHaveCount(4, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  for (const provider of ["Eclipse", "biometric.kz", "Provide ident", "WIDTH"]) {
    await expect(page.getByRole("article", { name: new RegExp(`^${provider.replace(".", "\\.")} · `) })).toBeVisible();
  }
});

test("a bad reference is refused next to its field and nothing is created", async ({ page, signIn, unique }) => {
  await signIn(USERS.officer);
  await page.goto("/customers/new");
  await page.getByLabel("External id").fill(`bad-${unique}`);
  await page.getByLabel("Name", { exact: true }).fill("Bad Ref");
  await page.getByLabel("Session id").fill("not-a-uuid");
  await page.getByRole("button", { name: "Add customer" }).click();
  await expect(page.locator("#biometric_kz_session_id-error")).toHaveText("A biometric.kz session id is a UUID.");
  await page.goto(`/customers?q=bad-${unique}`);
  await expect(page.getByText("No customers match.")).toBeVisible();
});

test("a manager reads customers but cannot add one", async ({ page, signIn, open }) => {
  await signIn(USERS.manager);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Customers" }).click();
  await expect(page.getByRole("table")).toBeVisible();
  await expect(page.getByRole("link", { name: "Add customer" })).toHaveCount(0);
  await open("/customers/new");
  await page.getByLabel("External id").fill("manager-try");
  await page.getByLabel("Name", { exact: true }).fill("Nope");
  await page.getByRole("button", { name: "Add customer" }).click();
  await expect(page.getByRole("alert")).toContainText("Your role does not allow this.");
});
