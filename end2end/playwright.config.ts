import { defineConfig } from "@playwright/test";

// One KYC Desk server (release build, demo mode, a fresh database) serves
// both projects: "hydrated" (JavaScript on, waits for hydration) and "no-js"
// (every form must work as a plain HTML form).
const PORT = Number(process.env.E2E_PORT ?? 3137);
export const DEMO_PASSWORD = "e2e demo password 123";

const chromium = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};

export default defineConfig({
  testDir: "./tests",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    launchOptions: chromium,
  },
  projects: [
    { name: "hydrated", use: { javaScriptEnabled: true } },
    {
      name: "no-js",
      use: { javaScriptEnabled: false },
      testIgnore: /.*\.hydrate\.spec\.ts/,
    },
  ],
  webServer: {
    command: "rm -rf target/e2e && mkdir -p target/e2e && exec target/release/kyc-desk serve",
    cwd: "..",
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      KYC_DESK_ADDR: `127.0.0.1:${PORT}`,
      KYC_DESK_DATABASE_URL: "sqlite://target/e2e/kyc-desk.db",
      KYC_DESK_DEMO: "true",
      KYC_DESK_DEMO_PASSWORD: DEMO_PASSWORD,
      KYC_DESK_COOKIE_SECURE: "false",
      KYC_DESK_LOGIN_ATTEMPTS_PER_MINUTE: "1000",
      KYC_DESK_LOG: "warn",
    },
  },
});
