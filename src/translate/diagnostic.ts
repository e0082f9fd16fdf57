// Moved to the model (sources, status, admin and the CLI use it too). Kept for code written
// against the old path; new code imports ../model/diagnostic.ts.
export * from '../model/diagnostic.ts';
