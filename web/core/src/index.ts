/** @shailoo/core: docs/spec/ in TypeScript, independent of the Python implementation. */
export * from './errors.js';
export * from './bytes.js';
export * from './group.js';
export * from './hashing.js';
export * from './elgamal.js';
export * from './proofs.js';
export * from './contest.js';
export * from './canonical.js';
export * from './signing.js';
export * from './blindrsa.js';
export * from './ballot.js';
export * from './credential.js';
export * from './board.js';
export * from './cr.js';
export * from './cr_contests.js';
