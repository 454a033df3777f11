/** Run-store I/O (docs/run-store.md); with io/local-files.ts and io/json-file.ts, the file-system boundary (docs/architecture.md). */
export { writeFileAtomic, ensureDir, nodeFs, type AtomicWriteFs } from './atomic-write.ts';
export { writeArrowFile, readArrowFile, ArrowFileHandle } from './arrow-file.ts';
export { safeName, MODEL_NAME } from './safe-name.ts';
export * from './manifest.ts';
export { RunWriter, RunInitSchema, PARTS_DIR, runTableFile, type RunInit, type UnitTables } from './run-writer.ts';
export { openRun, listUnits, readPart, readTable, type Run } from './run-reader.ts';
export { mergeRuns } from './merge-runs.ts';
export { exportParquet, type ExportedFile } from './parquet-export.ts';
