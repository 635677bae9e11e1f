/**
 * `treeseq validate FILES...`: loads each file with every check `load` makes (the kastore
 * layout, the tables' integrity and indexes, the metadata schemas) and lists each file that
 * fails as `treeseq: CODE: file: message` on stderr, and each that passes as `ok FILE` on
 * stdout (unless --quiet). It goes on past a bad file; exit status 1 when any failed.
 * A file's first problem is what its load reports: a broken file is rarely worth a second.
 */
import { load } from "../index.js";
import { UsageError, type Parsed } from "./args.js";
import { BACKEND_FLAGS, reportError, startBackend, type Command } from "./command.js";
import { Output } from "./output.js";

export const validateCommand: Command = {
  name: "validate",
  summary: "load each file with all checks; list the ones that fail with their error code",
  usage: "usage: treeseq validate FILE... [--quiet]",
  flags: {
    quiet: { type: "boolean", short: "q", help: "print nothing for the files that pass" },
    ...BACKEND_FLAGS,
  },
  positionals: true,
  async run({ values, positionals }: Parsed): Promise<number> {
    if (positionals.length === 0) throw new UsageError("validate needs at least one FILE");
    await startBackend(values);
    const out = Output.stdout();
    let failed = 0;
    for (const file of positionals) {
      try {
        (await load(file)).dispose();
      } catch (e) {
        reportError(e, file);
        failed++;
        continue;
      }
      if (!values.quiet) await out.write(`ok ${file}\n`);
    }
    await out.end();
    return failed > 0 ? 1 : 0;
  },
};
