// Kept as the old import path: the registry lives in annotations/ (one file per group).
export * from './annotations/index.ts';
