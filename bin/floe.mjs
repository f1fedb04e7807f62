#!/usr/bin/env node
// The `floe` command. Floe's sources are TypeScript run by Node 24's type stripping, so this
// shim only checks the Node version and loads the CLI.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 24 || (major === 24 && minor < 6)) {
  console.error(
    `floe needs Node.js >= 24.6 (this is ${process.versions.node}); run it through npm (npm start, npx floe) to use the pinned Node.`,
  );
  process.exit(1);
}
await import("../lib/cli/main.ts");
