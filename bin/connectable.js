#!/usr/bin/env node
// Entry point for `npx connectable` and global installs: checks the Node version, then runs the
// TypeScript CLI through tsx so Node 22.12+ needs no build step.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`connectable needs Node.js 22.12 or newer; this is ${process.versions.node}. Run it with "npx connectable" inside the project, which uses the pinned Node.\n`);
  process.exit(2);
}
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  env: process.env,
});
