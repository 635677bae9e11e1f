/** The command line's commands, in the order `treeseq --help` lists them. */
import type { Command } from "./command.js";
import { newickCommand, vcfCommand } from "./export.js";
import { statCommand } from "./stat.js";
import { summaryCommand } from "./summary.js";
import { validateCommand } from "./validate.js";

export const COMMANDS: Command[] = [statCommand, summaryCommand, validateCommand, vcfCommand, newickCommand];
