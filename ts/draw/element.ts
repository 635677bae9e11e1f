/**
 * A minimal SVG element tree and its text: what the drawings build before writing. Attributes
 * are written in the order given; text is escaped (tskit writes labels raw, so a label with
 * `<` or `&` there makes invalid SVG; here it stays text).
 */

/** One SVG element: a tag, attributes in order, children (elements or raw markup). */
export class El {
  readonly children: Array<El | Raw> = [];
  constructor(
    readonly tag: string,
    readonly attrs: Record<string, string | number> = {},
  ) {}
  add<T extends El | Raw>(child: T): T {
    this.children.push(child);
    return child;
  }
  /** Adds a `<title>` child: a tooltip in browsers. */
  title(text: string): this {
    this.add(new El("title")).add(new Text(text));
    return this;
  }
  toString(): string {
    const out: string[] = [];
    write(this, out);
    return out.join("");
  }
}

/** Markup written as it is (the stylesheet's CDATA, a caller's preamble). */
export class Raw {
  constructor(readonly markup: string) {}
}

/** Text content, escaped when written. */
export class Text extends Raw {
  constructor(text: string) {
    super(escapeXml(text));
  }
}

const XML_SPECIAL = /[&<>"]/g;
const XML_ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

export function escapeXml(s: string): string {
  // Nearly every attribute (numbers, class lists) has nothing to escape: test before copying
  // (a drawing of 60,000 nodes escapes some 10^6 attributes).
  XML_SPECIAL.lastIndex = 0;
  return XML_SPECIAL.test(s) ? s.replace(XML_SPECIAL, (c) => XML_ENTITY[c]) : s;
}

/** Writes with an explicit stack: a deep tree (a caterpillar of 10^5 nodes) nests as deep. */
function write(root: El, out: string[]): void {
  const stack: Array<El | Raw | string> = [root];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (typeof e === "string") {
      out.push(e);
      continue;
    }
    if (e instanceof Raw) {
      out.push(e.markup);
      continue;
    }
    let open = `<${e.tag}`;
    for (const k in e.attrs) {
      const v = e.attrs[k];
      open += ` ${k}="${typeof v === "number" ? v : escapeXml(v)}"`;
    }
    if (e.children.length === 0) {
      out.push(`${open}/>`);
      continue;
    }
    out.push(`${open}>`);
    stack.push(`</${e.tag}>`);
    for (let i = e.children.length - 1; i >= 0; i--) stack.push(e.children[i]);
  }
}

/** A number as the drawings write it: 6 significant digits (tskit's `rnd`). */
export function rnd(x: number): number {
  // Integers of up to 6 digits are their own rounding (most symbol offsets and many positions).
  if (Number.isInteger(x) && x < 1e6 && x > -1e6) return x;
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(6));
}

export const translate = (x: number, y: number): string => `translate(${rnd(x)} ${rnd(y)})`;
