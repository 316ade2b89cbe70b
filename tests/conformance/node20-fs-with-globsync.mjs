// `node:fs` plus a `globSync` that refuses to run (see node20-globsync.mjs).
export * from 'node:fs';
export { default } from 'node:fs';

export function globSync() {
  throw new Error('fs.globSync needs Node 22; this command is unavailable on Node 20');
}
