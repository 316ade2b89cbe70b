// Lets the pinned conformance CLI start on Node 20.
//
// The bundle imports `globSync` from `fs`, which Node ships only from 22 on,
// so on Node 20 it fails to link before doing anything. Only its
// `tier-check` command calls `globSync`; the `client` and `list` commands the
// harness runs never do. This hook hands the bundle, and nothing else, an `fs`
// module that adds a stub `globSync` which throws if ever called. Chosen over
// installing Node 22 from the npm registry (a package of about 185 MB) to keep
// the CI step small; on Node 22 or later the hook is not registered.
import * as fs from 'node:fs';
import { register } from 'node:module';

if (typeof fs.globSync !== 'function') {
  register('./node20-globsync-hooks.mjs', import.meta.url);
}
