import { rmSync } from "node:fs";

// The data folders playwright.config.ts made for this run's servers.
export default function teardown() {
  for (const dir of (process.env.HH_E2E_DIRS ?? "").split("\n").filter(Boolean)) {
    rmSync(dir, { recursive: true, force: true });
  }
}
