// Builds the voter app into dist/app (committed: `shailoo serve` serves it without Node) and the test CLI into
// dist/cli (not committed). `node build.mjs --out DIR` builds only the app, elsewhere (the tests compare it with
// dist/app); `node build.mjs --cli-only` builds only the CLI.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outFlag = process.argv.indexOf('--out');
const appOut = outFlag > 0 ? resolve(process.argv[outFlag + 1]) : join(here, 'dist', 'app');
const common = { bundle: true, minify: true, legalComments: 'none', target: ['es2022', 'chrome100'], charset: 'utf8', logLevel: 'warning' };

const cliOnly = process.argv.includes('--cli-only');
if (!cliOnly) {
rmSync(appOut, { recursive: true, force: true });
mkdirSync(appOut, { recursive: true });
await build({ ...common, entryPoints: [join(here, 'app/src/main.ts')], outfile: join(appOut, 'app.js'), format: 'esm', platform: 'browser' });
await build({ ...common, entryPoints: [join(here, 'app/src/worker.ts')], outfile: join(appOut, 'worker.js'), format: 'iife', platform: 'browser' });
for (const name of readdirSync(join(here, 'app/static'))) cpSync(join(here, 'app/static', name), join(appOut, name));
}
if (outFlag < 0) {
  await build({ ...common, minify: false, entryPoints: [join(here, 'tools/ballot-cli.ts')], outfile: join(here, 'dist/cli/ballot-cli.mjs'), format: 'esm', platform: 'node' });
  // The core as one browser script with a global `ShailooCore`, for bench/web_app.py.
  await build({ ...common, entryPoints: [join(here, 'core/src/index.ts')], outfile: join(here, 'dist/cli/core-browser.js'), format: 'iife', globalName: 'ShailooCore', platform: 'browser' });
}
