/** Loads the vectors the Python side writes under tests/vectors/ (data only; no Python is run). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../tests/vectors');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadVectors(name: string): any {
  return JSON.parse(readFileSync(resolve(VECTORS_DIR, name), 'utf8'));
}
