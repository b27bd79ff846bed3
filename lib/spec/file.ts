/** Spec files on disk: kept apart from schema.ts, which the workflow bundle's types come from and which must not need node:fs. */
import { readFile } from 'node:fs/promises';
import { parseSpec, ParseResult } from './schema';

/** Reads and validates a spec file; unreadable or non-JSON files are reported as problems too. */
export async function loadSpecFile(path: string): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, problems: [`${path}: a readable file (${(err as NodeJS.ErrnoException).code ?? String(err)})`] };
  }
  try {
    return parseSpec(JSON.parse(text));
  } catch (err) {
    return { ok: false, problems: [`${path}: valid JSON (${(err as Error).message})`] };
  }
}
