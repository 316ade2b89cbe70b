// Module hooks registered by node20-globsync.mjs (see there for why).

const BUNDLE = '/node_modules/@modelcontextprotocol/conformance/dist/index.js';
const SHIM = new URL('./node20-fs-with-globsync.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const fromBundle = context.parentURL?.endsWith(BUNDLE) ?? false;
  if (fromBundle && (specifier === 'fs' || specifier === 'node:fs')) {
    return { url: SHIM, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
