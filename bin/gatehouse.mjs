#!/usr/bin/env node
// Builds the TypeScript CLI (src/cli) with esbuild on each run (about 50 ms), then runs it.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { bundleForNode } from '../scripts/lib/build-tools.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outfile = join(root, 'node_modules', '.cache', 'gatehouse', 'cli.mjs');
const { outputFiles } = await bundleForNode(join(root, 'src', 'cli', 'main.ts'), outfile, { write: false });
// Written under a private name and renamed, so CLI runs at the same time never load a half-written file.
await mkdir(dirname(outfile), { recursive: true });
const temporary = `${outfile}.${process.pid}`;
await writeFile(temporary, outputFiles[0].contents);
await rename(temporary, outfile);
const { main } = await import(pathToFileURL(outfile).href);
process.exitCode = await main(process.argv.slice(2));
