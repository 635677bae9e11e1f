/** What every view is given: the open file and a way to know it is still on screen. */
import type { TreeSequence } from "../../dist/browser.js";
import type { PopulationSet } from "../../dist/grouping.js";

export interface Context {
  ts: TreeSequence;
  /** The file's name (or URL's last part). */
  name: string;
  /** The file's size in bytes. */
  size: number;
  loadSeconds: number;
  /** The populations that have samples, in id order, with their names. */
  pops: PopulationSet[];
  /** Whether this render is still the one on screen (false once the view or file changed). */
  alive(): boolean;
  /** Re-renders the current view (after a setting in the URL changed). */
  rerender(): void;
}

/** The sample sets the statistics use: one per population with samples, else all samples. */
export function sampleSets(ctx: Context): { name: string; samples: Int32Array }[] {
  return ctx.pops.length ? ctx.pops : [{ name: "all samples", samples: ctx.ts.samples() }];
}
