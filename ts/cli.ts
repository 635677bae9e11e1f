#!/usr/bin/env node
/**
 * treeseq's command line, for batch jobs: `treeseq COMMAND [FLAGS] [FILES]`. Each command is
 * a module of ts/cli/; this file only picks one, and turns what it throws into
 * `treeseq: CODE: message` with exit status 2 for a mistake in the call, 1 for a failed job.
 */
import { readFileSync } from "node:fs";
import { flagHelp, parseCommandLine, UsageError } from "./cli/args.js";
import { reportError, type Command } from "./cli/command.js";
import { COMMANDS } from "./cli/commands.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    "usage: treeseq COMMAND [FLAGS] [FILES...]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "treeseq COMMAND --help says more about each. treeseq --version prints the version.",
  ].join("\n");
}

function commandHelp(c: Command): string {
  return `${c.usage}\n\nflags:\n${flagHelp(c.flags)}`;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(`${mainHelp()}\n`);
    return 2;
  }
  if (first === "-h" || first === "--help" || first === "help") {
    const c = COMMANDS.find((x) => x.name === rest[0]);
    process.stdout.write(`${c ? commandHelp(c) : mainHelp()}\n`);
    return 0;
  }
  if (first === "--version" || first === "-V") {
    process.stdout.write(`treeseq ${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    throw new UsageError(
      first.startsWith("-")
        ? `unknown flag ${first} before a command (commands: ${COMMANDS.map((c) => c.name).join(", ")})`
        : `unknown command '${first}' (commands: ${COMMANDS.map((c) => c.name).join(", ")})`,
    );
  }
  const parsed = parseCommandLine(rest, command.flags, command.positionals);
  if (parsed.values.help) {
    process.stdout.write(`${commandHelp(command)}\n`);
    return 0;
  }
  return command.run(parsed);
}

// A reader that closes the pipe early (`| head`) must not crash the process with EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    reportError(e);
    if (e instanceof UsageError) process.stderr.write("(treeseq --help lists the commands and their flags)\n");
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
