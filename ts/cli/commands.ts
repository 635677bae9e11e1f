/** The command line's commands, in the order `treeseq --help` lists them. */
import type { Command } from "./command.js";
import { statCommand } from "./stat.js";

export const COMMANDS: Command[] = [statCommand];
