// What a browser user writes: import treeseq, fetch a .trees file, compute two statistics and
// use the toolkit (metadata, samples by population, Newick, genotypes, VCF, refused options).
// The work itself is ./work.js (test/consumers/shared/work.js, copied here by the harness).
// The page shows the JSON result and sets window.__result for the test.
import * as treeseq from "treeseq";
import { work } from "./work.js";

work(treeseq, "./small.trees", { threads: 2 })
  .catch((e) => ({ error: { name: e?.name, code: e?.code, message: String(e?.message ?? e) } }))
  .then((result) => {
    document.getElementById("out").textContent = JSON.stringify(result, null, 1);
    window.__result = result;
  });
