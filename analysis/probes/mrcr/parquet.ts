import { parquetReadObjects } from 'hyparquet';

/** Reads every row of a Parquet file (the official MRCR files) as plain objects; INT64 arrives as bigint. */
export async function readParquetRows(bytes: ArrayBuffer): Promise<Record<string, unknown>[]> {
  return (await parquetReadObjects({ file: bytes })) as Record<string, unknown>[];
}
