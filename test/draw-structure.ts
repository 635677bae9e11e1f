/**
 * Reads an SVG drawing into the structure scripts/make_draw_fixture.py records from tskit's
 * (its `structure`, the same walk): trees, node groups with classes, parent, edge, label and
 * absolute position, mutations with branch, site, label and height, genome-axis sites, tick
 * labels, and the other groups. A small XML reader is enough for SVG text.
 */

export interface XEl {
  tag: string;
  attrs: Record<string, string>;
  children: XEl[];
  text: string;
}

const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");

export function parseXml(xml: string): XEl {
  const root: XEl = { tag: "#root", attrs: {}, children: [], text: "" };
  const stack = [root];
  const token = /<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = token.exec(xml)) !== null) {
    if (m.index !== consumed) throw new Error(`not XML at ${consumed}: ${xml.slice(consumed, consumed + 40)}`);
    consumed = token.lastIndex;
    const top = stack[stack.length - 1];
    if (m[0].startsWith("<![CDATA[")) continue;
    if (m[5] !== undefined) {
      top.text += unescapeXml(m[5]);
      continue;
    }
    if (m[1]) {
      if (top.tag !== m[2]) throw new Error(`</${m[2]}> closes <${top.tag}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[3].matchAll(/([\w:.-]+)="([^"]*)"/g)) attrs[a[1]] = unescapeXml(a[2]);
    const el: XEl = { tag: m[2], attrs, children: [], text: "" };
    top.children.push(el);
    if (!m[4]) stack.push(el);
  }
  if (consumed !== xml.length || stack.length !== 1) throw new Error("unclosed XML");
  if (root.children.length !== 1) throw new Error("not one root element");
  return root.children[0];
}

const allText = (e: XEl): string => e.text + e.children.map(allText).join("");
const classes = (e: XEl): string[] => (e.attrs.class ?? "").split(/\s+/).filter(Boolean);
function shift(e: XEl): [number, number] {
  const m = /translate\(\s*([-0-9.e+]+)(?:[ ,]+([-0-9.e+]+))?\s*\)/.exec(e.attrs.transform ?? "");
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : [0, 0];
}
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const idOf = (cls: string[], prefix: string) => Number(cls.find((k) => new RegExp(`^${prefix}\\d+$`).test(k))!.slice(1));

/** make_draw_fixture.py's `structure`, over our SVG. */
export function structure(svg: string): any {
  const root = parseXml(svg);
  const out: any = {
    width: Number(root.attrs.width),
    height: Number(root.attrs.height),
    title: null,
    trees: [],
    sites: [],
    xTicks: [],
    yTicks: [],
    groups: [],
  };
  const walk = (el: XEl, x: number, y: number, tree: any, node: number | null, inXAxis: boolean): void => {
    for (const c of el.children) {
      if (c.tag !== "g") continue;
      const [dx, dy] = shift(c);
      const cx = x + dx,
        cy = y + dy;
      const cls = classes(c);
      if (cls.includes("tree")) {
        const t = { cls: cls.join(" "), x: round3(cx), nodes: [], muts: [] };
        out.trees.push(t);
        walk(c, cx, cy, t, null, inXAxis);
      } else if (cls.includes("node")) {
        const id = idOf(cls, "n");
        const edge = c.children.find((p) => p.tag === "path" && classes(p).includes("edge"));
        const label = c.children.find((p) => p.tag === "text");
        tree.nodes.push({
          id,
          cls: [...cls].sort(),
          parent: node,
          x: round3(cx),
          y: round3(cy),
          edge: edge ? classes(edge).find((k) => k !== "edge") : null,
          label: label ? allText(label) : null,
        });
        walk(c, cx, cy, tree, id, inXAxis);
      } else if (cls.includes("mut") && node !== null) {
        const label = c.children.find((p) => p.tag === "text");
        tree.muts.push({
          id: idOf(cls, "m"),
          site: idOf(cls, "s"),
          node,
          y: round3(cy),
          label: label ? allText(label) : null,
          cls: [...cls].sort(),
        });
      } else if (cls.includes("site")) {
        out.sites.push({
          id: idOf(cls, "s"),
          x: round3(cx),
          muts: c.children.filter((m) => m.tag === "g").map((m) => idOf(classes(m), "m")),
        });
      } else if (cls.includes("tick")) {
        const text = findText(c);
        out[inXAxis ? "xTicks" : "yTicks"].push(text === null ? "" : allText(text));
      } else if (cls.includes("title") && tree === null && el === root) {
        out.title = allText(c);
      } else {
        if (tree === null && cls.length > 0) out.groups.push(cls.join(" "));
        walk(c, cx, cy, tree, node, inXAxis || cls.includes("x-axis"));
      }
    }
  };
  walk(root, 0, 0, null, null, false);
  return out;
}

function findText(e: XEl): XEl | null {
  for (const c of e.children) {
    if (c.tag === "text") return c;
    const t = findText(c);
    if (t) return t;
  }
  return null;
}
