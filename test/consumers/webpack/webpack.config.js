// A plain webpack 5 production build; nothing in it is about treeseq.
import { fileURLToPath } from "node:url";

export default {
  mode: "production",
  context: fileURLToPath(new URL(".", import.meta.url)),
  entry: "./main.js",
  output: {
    path: fileURLToPath(new URL("./dist", import.meta.url)),
    filename: "main.js",
    publicPath: "auto",
    clean: true,
  },
};
