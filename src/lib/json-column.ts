/** Reading the JSON text columns (`context_snapshot`, `result_data`, span `attributes`). */

/**
 * Parses a stored JSON text column. Null stays null; text that is not valid JSON (written by an
 * older or foreign writer) is returned as the raw string rather than failing the whole read.
 */
export function parseJsonColumn(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
