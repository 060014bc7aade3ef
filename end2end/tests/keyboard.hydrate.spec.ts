import { test, expect, USERS, newCase, waitForHydration } from "./fixtures";

test("a reviewer works through three cases with the keyboard", async ({ page, signIn, open, unique }) => {
  await signIn(USERS.reviewer);
  // Three fresh cases, assigned to nobody, whose result the provider has settled (the
  // unassigned inbox lists only cases ready for review).
  const names: string[] = [];
  for (let i = 0; i < 3; i++) {
    const name = `Kay Keyboard ${i} ${unique}`;
    names.push(name);
    await newCase(page, open, `${unique}-${i}`, 8, name);
  }
  // The help dialog opens with ? and closes with Escape.
  await open("/?view=unassigned&sort=updated");
  await page.keyboard.press("?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeHidden();

  for (const name of names) {
    // Other journeys add cases to the same queue while this one runs, so
    // the reviewer moves down with j until their case is selected.
    await expect(async () => {
      await open("/?view=unassigned&sort=updated");
      await expect(page.getByRole("link", { name })).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    for (let moves = 0; moves < 60; moves++) {
      await page.keyboard.press("j");
      await expect(page.locator("tr.selected")).toHaveCount(1);
      if (((await page.locator("tr.selected").textContent()) ?? "").includes(name)) break;
    }
    await expect(page.locator("tr.selected")).toContainText(name);
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    // Each page the keys lead to is interactive once hydrated.
    await waitForHydration(page);

    await expect(page.getByRole("button", { name: "Claim (c)" })).toBeVisible();
    await page.keyboard.press("c");
    await expect(page.getByLabel("Decline (d)")).toBeVisible();
    await waitForHydration(page);
    await page.keyboard.press("d");
    await expect(page.getByLabel("Decline (d)")).toBeChecked();
    await expect(page.getByLabel("Reason")).toBeFocused();
    await page.getByLabel("Reason").selectOption("DOCUMENT_UNREADABLE");
    await page.keyboard.press("Tab");
    // Typing in the note never fires shortcuts (it contains c, d, j, k, n).
    await page.keyboard.type("Checked and declined; the document cannot be read.");
    await expect(page.getByLabel("Note (what you checked and why)")).toHaveValue("Checked and declined; the document cannot be read.");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("status")).toContainText("Decision recorded on case #");
  }
});
