/**
 * How the scripts read their command line: with the command line's own parser
 * (parseCommandLine and the value checkers of ts/cli/args.ts, compiled to dist/cli/args.js),
 * so a script and `treeseq` accept and refuse flags alike. `-h`/`--help` prints the help and
 * exits 0; a mistake prints `NAME: message` and the usage, and exits 2.
 */

/**
 * Parses `argv` against `flags` (parseCommandLine's FlagSpecs) and hands the result and the
 * checkers (integerValue, choiceValue, positiveNumberValue, ...) to `read`, whose value it
 * returns. A UsageError from the parser or from `read` ends the process with status 2.
 * `usage` is the usage line(s); the help adds the flags' lines.
 */
export async function parseScriptArgs({ name, usage, flags, positionals = true, argv = process.argv.slice(2) }, read) {
  let cli;
  try {
    cli = await import("../dist/cli/args.js");
  } catch (e) {
    if (e?.code !== "ERR_MODULE_NOT_FOUND") throw e;
    // The scripts share the command line's parser, which is built with the rest of dist/.
    console.error(`${name}: dist/cli/args.js is missing: run npm run build first`);
    process.exit(1);
  }
  try {
    const parsed = cli.parseCommandLine(argv, flags, positionals);
    if (parsed.values.help) {
      console.log(`${usage}\n\nflags:\n${cli.flagHelp(flags)}`);
      process.exit(0);
    }
    return await read(parsed, cli);
  } catch (e) {
    if (!(e instanceof cli.UsageError)) throw e;
    console.error(`${name}: ${e.message}\n${usage}\n(${name} --help lists the flags)`);
    process.exit(2);
  }
}
