/** The static server of the browser tests: the demo's (scripts/serve.mjs). */
// @ts-expect-error: a JavaScript module without type declarations
export { serve } from "../scripts/serve.mjs";
