// Builds the voter app into dist/app and the verification page into dist/verify (both committed: `shailoo serve`
// serves them without Node), and the test CLI into dist/cli (not committed). `node build.mjs --out DIR` builds only
// the app, elsewhere (the tests compare it with dist/app); `node build.mjs --verify-out DIR` builds only the
// verification page, elsewhere (compared with dist/verify); `node build.mjs --cli-only` builds only the CLI.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outFlag = process.argv.indexOf('--out');
const appOut = outFlag > 0 ? resolve(process.argv[outFlag + 1]) : join(here, 'dist', 'app');
const common = { bundle: true, minify: true, legalComments: 'none', target: ['es2022', 'chrome100'], charset: 'utf8', logLevel: 'warning' };

const verifyFlag = process.argv.indexOf('--verify-out');
const verifyOut = verifyFlag > 0 ? resolve(process.argv[verifyFlag + 1]) : join(here, 'dist', 'verify');
const cliOnly = process.argv.includes('--cli-only');
if (!cliOnly && verifyFlag < 0) {
rmSync(appOut, { recursive: true, force: true });
mkdirSync(appOut, { recursive: true });
await build({ ...common, entryPoints: [join(here, 'app/src/main.ts')], outfile: join(appOut, 'app.js'), format: 'esm', platform: 'browser' });
await build({ ...common, entryPoints: [join(here, 'app/src/worker.ts')], outfile: join(appOut, 'worker.js'), format: 'iife', platform: 'browser' });
for (const name of readdirSync(join(here, 'app/static'))) cpSync(join(here, 'app/static', name), join(appOut, name));
}
if (!cliOnly && outFlag < 0) {
  // The verification page (web/verify, on web/verifier's checks): served files, and the same page as one HTML file
  // that works offline (its script inline, the worker's code in a text/plain block started from a blob: URL).
  rmSync(verifyOut, { recursive: true, force: true });
  mkdirSync(verifyOut, { recursive: true });
  const main = await build({ ...common, entryPoints: [join(here, 'verify/src/main.ts')], write: false, format: 'esm', platform: 'browser' });
  const worker = await build({ ...common, entryPoints: [join(here, 'verify/src/worker.ts')], write: false, format: 'iife', platform: 'browser' });
  const mainJs = main.outputFiles[0].text;
  const workerJs = worker.outputFiles[0].text;
  writeFileSync(join(verifyOut, 'verify.js'), mainJs);
  writeFileSync(join(verifyOut, 'worker.js'), workerJs);
  for (const name of readdirSync(join(here, 'verify/static'))) cpSync(join(here, 'verify/static', name), join(verifyOut, name));
  const inline = (js) => js.replaceAll('</script', '<\\/script');
  const css = readFileSync(join(here, 'verify/static/verify.css'), 'utf8');
  const page = readFileSync(join(here, 'verify/static/index.html'), 'utf8')
    .replace('<link rel="stylesheet" href="verify.css">', () => `<style>\n${css}</style>`)
    .replace('<script type="module" src="verify.js"></script>', () =>
      `<script id="shailoo-verify-worker" type="text/plain">${inline(workerJs)}</script>\n<script type="module">${inline(mainJs)}</script>`);
  if (page.includes('href="verify.css"') || page.includes('src="verify.js"')) throw new Error('verify/static/index.html: the single file was not inlined');
  writeFileSync(join(verifyOut, 'shailoo-verify.html'), page);
}
if (outFlag < 0 && verifyFlag < 0) {
  await build({ ...common, minify: false, entryPoints: [join(here, 'tools/ballot-cli.ts')], outfile: join(here, 'dist/cli/ballot-cli.mjs'), format: 'esm', platform: 'node' });
  // The core as one browser script with a global `ShailooCore`, for bench/web_app.py.
  await build({ ...common, entryPoints: [join(here, 'core/src/index.ts')], outfile: join(here, 'dist/cli/core-browser.js'), format: 'iife', globalName: 'ShailooCore', platform: 'browser' });
}
