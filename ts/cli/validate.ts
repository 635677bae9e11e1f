/**
 * `treeseq validate FILES...`: loads each file with every check `load` makes (the kastore
 * layout, the tables' integrity and indexes, the metadata schemas) and lists each file that
 * fails as `treeseq: CODE: file: message` on stderr, and each that passes as `ok FILE` on
 * stdout (unless --quiet). It goes on past a bad file; exit status 1 when any failed.
 * A file's load stops at its first problem (a broken file is rarely worth a second); with
 * --metadata, a file that loads also has every row's metadata decoded, as tskit decodes it
 * only when asked, and each table's rows that do not decode are listed.
 */
import { load, type TreeSequence } from "../index.js";
import type { MetadataTableName } from "../tables.js";
import { UsageError, type Parsed } from "./args.js";
import { BACKEND_FLAGS, reportError, startBackend, type Command } from "./command.js";
import { expandFiles } from "./files.js";
import { Output } from "./output.js";
import { createProgress, PROGRESS_FLAG, progressFiles, progressModeValue } from "./progress.js";

const METADATA_TABLES: MetadataTableName[] = ["nodes", "edges", "sites", "mutations", "migrations", "individuals", "populations"];
/** Rows reported per table; the rest are counted, so a file of bad rows gives a short list. */
const ROWS_LISTED = 5;

/** Decodes the top-level metadata and every row's; reports what does not decode. Returns the count. */
function checkMetadata(file: string, ts: TreeSequence): number {
  let problems = 0;
  try {
    void ts.metadata;
  } catch (e) {
    reportError(e, file);
    problems++;
  }
  for (const table of METADATA_TABLES) {
    let bad = 0;
    for (let i = 0; i < ts.tables[table].numRows; i++) {
      try {
        ts.decodeRowMetadata(table, i);
      } catch (e) {
        if (++bad <= ROWS_LISTED) reportError(e, file);
      }
    }
    if (bad > ROWS_LISTED)
      reportError({ code: "BAD_METADATA", message: `${table}: ${bad - ROWS_LISTED} more rows do not decode (${bad} in all)` }, file);
    problems += bad;
  }
  return problems;
}

/** Whether `file` loads (and, with `metadata`, every row's metadata decodes); reports what does not. */
async function validate(file: string, metadata: boolean): Promise<boolean> {
  let ts: TreeSequence;
  try {
    ts = await load(file);
  } catch (e) {
    reportError(e, file);
    return false;
  }
  try {
    return !metadata || checkMetadata(file, ts) === 0;
  } finally {
    ts.dispose();
  }
}

export const validateCommand: Command = {
  name: "validate",
  summary: "load each file with all checks; list the ones that fail with their error code",
  usage: "usage: treeseq validate FILE... [--metadata] [--quiet]",
  flags: {
    metadata: { type: "boolean", help: `also decode every row's metadata (a file's first ${ROWS_LISTED} bad rows per table are listed)` },
    quiet: { type: "boolean", short: "q", help: "print nothing for the files that pass" },
    progress: PROGRESS_FLAG,
    ...BACKEND_FLAGS,
  },
  positionals: true,
  async run({ values, positionals }: Parsed): Promise<number> {
    if (positionals.length === 0) throw new UsageError("validate needs at least one FILE");
    const progress = createProgress(progressModeValue(values.progress as string | undefined));
    await startBackend(values);
    const out = Output.stdout();
    let failed = 0;
    const files = expandFiles(positionals);
    progress.start(await progressFiles(files), 0);
    for (const file of files) {
      progress.fileStarted(file);
      const ok = await validate(file, values.metadata === true);
      progress.fileDone(file, ok);
      if (!ok) failed++;
      else if (!values.quiet) await out.write(`ok ${file}\n`);
    }
    progress.finish();
    await out.end();
    return failed > 0 ? 1 : 0;
  },
};
