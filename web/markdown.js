/* A small Markdown renderer for answers and passages. It builds DOM nodes and never parses HTML: markup in the
   source stays text. Supports headings, bullet and numbered lists, block quotes, fenced code, pipe tables, `code`,
   **bold**, *italic*, [links](http...) (other schemes become plain text) and [n] citation markers. */
import { el } from "./dom.js";
import { externalLink } from "./sanitize.js";

const INLINE_RE = /(`[^`\n]+`)|(\*\*[^*\n]+?\*\*|__[^_\n]+?__)|(\[\d+(?:\s*[,;–-]\s*\d+)*\](?!\())|(\[[^\]\n]+\]\([^)\s]+\))|(\*[^*\s][^*\n]*?\*)/g;
const BULLET_RE = /^\s*[-*+]\s+(.*)$/;
const ORDERED_RE = /^\s*(\d+)[.)]\s+(.*)$/;
const HEAD_RE = /^(#{1,6})\s+(.*?)\s*#*\s*$/;

const isBlank = (line) => /^\s*$/.test(line);
const isTableRow = (line) => /^\s*\|.*\|\s*$/.test(line);
const tableCells = (line) => line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
const startsBlock = (line) => /^```/.test(line) || HEAD_RE.test(line) || BULLET_RE.test(line) || ORDERED_RE.test(line) ||
  /^\s*>/.test(line) || isTableRow(line);

/** An element `tag` holding the inline rendering of `text`. */
function inline(tag, text, ctx) {
  const node = el(tag);
  renderInline(text, node, ctx);
  return node;
}

function renderInline(text, parent, ctx) {
  let last = 0;
  for (const m of String(text).matchAll(INLINE_RE)) { // matchAll clones the regex: safe under recursion
    if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
    const tok = m[0];
    if (m[1]) parent.appendChild(el("code", { text: tok.slice(1, -1) }));
    else if (m[2]) parent.appendChild(inline("strong", tok.slice(2, -2), ctx));
    else if (m[3]) {
      if (ctx && ctx.citations) chipsFor(tok, parent, ctx);
      else parent.appendChild(document.createTextNode(tok)); // passages, partial stream: plain text
    } else if (m[4]) {
      const lm = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(tok);
      parent.appendChild(externalLink(lm[2], lm[1]));
    } else if (m[5]) parent.appendChild(inline("em", tok.slice(1, -1), ctx));
    last = m.index + tok.length;
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
}

/** [1], [1, 3], [2-4] or [1, 3-5]: one chip per number. A marker with a backwards, over-20-wide or chained range
    ([3-1], [1-40], [1-2-3]) stays text. */
function chipsFor(token, parent, ctx) {
  const nums = [];
  for (const part of token.slice(1, -1).split(/[,;]/)) {
    const range = /^\s*(\d+)\s*[–-]\s*(\d+)\s*$/.exec(part);
    const lo = Number(range ? range[1] : part), hi = range ? Number(range[2]) : lo;
    if (!(hi >= lo && hi - lo < 20)) { parent.appendChild(document.createTextNode(token)); return; } // also NaN: [1-2-3]
    for (let n = lo; n <= hi; n++) nums.push(n);
  }
  for (const n of nums) parent.appendChild(citationChip(n, ctx));
}

/** The chip for citation `n`: a button calling ctx.onCite(citation, button), or a "missing" marker when the answer
    has no citation `n`. ctx = {citations: Map(n -> citation), onCite}. */
export function citationChip(n, ctx) {
  const cite = ctx && ctx.citations ? ctx.citations.get(n) : null;
  if (!cite) return el("span", { class: "chip missing", title: "No source " + n, text: String(n) });
  const label = "Source " + n + ": " + (cite.title || cite.doc || "") + (cite.section ? ", " + cite.section : "");
  return el("button", {
    type: "button", class: "chip", "aria-label": label, title: label, text: String(n),
    "data-cite": String(n),
    on: { click: (e) => ctx.onCite(cite, e.currentTarget) },
  });
}

/** Render Markdown `src` to a DocumentFragment. Without ctx.citations, [n] markers stay plain text. */
export function renderMarkdown(src, ctx) {
  const frag = document.createDocumentFragment();
  const lines = String(src || "").replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) { i++; continue; }
    if (/^```/.test(line)) {
      const buf = [];
      i++;
      while (i < lines.length && !/^```/.test(lines[i])) buf.push(lines[i++]);
      i++;
      frag.appendChild(el("pre", null, el("code", { text: buf.join("\n") })));
      continue;
    }
    const h = HEAD_RE.exec(line);
    if (h) {
      frag.appendChild(inline("h" + Math.min(6, h[1].length + 2), h[2], ctx));
      i++;
      continue;
    }
    if (BULLET_RE.test(line) || ORDERED_RE.test(line)) {
      i = renderList(lines, i, frag, ctx);
      continue;
    }
    if (/^\s*>/.test(line)) {
      const buf = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) buf.push(lines[i++].replace(/^\s*>\s?/, ""));
      frag.appendChild(inline("blockquote", buf.join(" "), ctx));
      continue;
    }
    if (isTableRow(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1])) {
      i = renderTable(lines, i, frag, ctx);
      continue;
    }
    const buf = [line.trim()];
    i++;
    while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i])) buf.push(lines[i++].trim());
    frag.appendChild(inline("p", buf.join(" "), ctx));
  }
  return frag;
}

/** The list starting at lines[i] (items continue on lines indented by two or more spaces); returns the next index. */
function renderList(lines, i, frag, ctx) {
  const ordered = !BULLET_RE.test(lines[i]);
  const re = ordered ? ORDERED_RE : BULLET_RE;
  const list = el(ordered ? "ol" : "ul");
  if (ordered) {
    const start = Number(ORDERED_RE.exec(lines[i])[1]);
    if (start !== 1) list.setAttribute("start", String(start));
  }
  while (i < lines.length && re.test(lines[i])) {
    const mm = re.exec(lines[i]);
    let text = ordered ? mm[2] : mm[1];
    i++;
    while (i < lines.length && !isBlank(lines[i]) && /^\s{2,}\S/.test(lines[i]) && !BULLET_RE.test(lines[i]) && !ORDERED_RE.test(lines[i])) {
      text += " " + lines[i].trim();
      i++;
    }
    list.appendChild(inline("li", text, ctx));
  }
  frag.appendChild(list);
  return i;
}

/** The pipe table whose header is lines[i] (lines[i + 1] is the separator); returns the next index. */
function renderTable(lines, i, frag, ctx) {
  const row = (line, cellTag) => el("tr", null, tableCells(line).map((cell) => inline(cellTag, cell, ctx)));
  const table = el("table", { class: "claim-table" }, el("thead", null, row(lines[i], "th")));
  const tbody = el("tbody");
  i += 2;
  while (i < lines.length && isTableRow(lines[i])) tbody.appendChild(row(lines[i++], "td"));
  table.appendChild(tbody);
  frag.appendChild(table);
  return i;
}
