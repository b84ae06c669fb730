/* URL and HTML sanitizing. Only http(s) URLs become links; server-rendered document HTML is rebuilt element by
   element from an allowlist, so no attribute, script or handler of the source ever reaches the page. */
import { el } from "./dom.js";

/** The absolute URL when `href` is http(s) (relative ones resolve against the page), else null. */
export function safeUrl(href) {
  try {
    const url = new URL(String(href), window.location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (_) {
    return null;
  }
}

/** A link that opens in a new tab, or plain text when the URL is not http(s). */
export function externalLink(href, text) {
  const url = safeUrl(href);
  if (!url) return el("span", { text: text || href });
  return el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: text || href });
}

const ALLOWED_TAGS = new Set(["P", "H1", "H2", "H3", "H4", "H5", "H6", "UL", "OL", "LI", "STRONG", "B", "EM", "I",
  "CODE", "PRE", "BLOCKQUOTE", "TABLE", "THEAD", "TBODY", "TFOOT", "TR", "TH", "TD", "A", "BR", "HR", "SUP", "SUB",
  "DEL", "S", "DL", "DT", "DD", "SPAN"]);
// Dropped with their content; any other element not allowed is unwrapped (its children are kept).
const DROP_TAGS = new Set(["SCRIPT", "STYLE", "IFRAME", "OBJECT", "EMBED", "TEMPLATE", "NOSCRIPT", "SVG", "MATH",
  "LINK", "META", "BASE", "FORM", "INPUT", "BUTTON", "TEXTAREA", "SELECT", "IMG", "VIDEO", "AUDIO", "SOURCE", "FRAME"]);

/** A DocumentFragment holding the allowed structure and text of `html`. */
export function sanitizeHtml(html) {
  const parsed = new DOMParser().parseFromString(String(html || ""), "text/html"); // inert: nothing runs or loads
  const out = document.createDocumentFragment();
  copyClean(parsed.body, out);
  return out;
}

function copyClean(src, dst) {
  for (const node of Array.from(src.childNodes)) {
    if (node.nodeType === Node.TEXT_NODE) { dst.appendChild(document.createTextNode(node.nodeValue)); continue; }
    if (node.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = node.tagName.toUpperCase();
    if (DROP_TAGS.has(tag)) continue;
    if (!ALLOWED_TAGS.has(tag)) { copyClean(node, dst); continue; }
    const clean = document.createElement(tag.toLowerCase());
    if (tag === "A") {
      const raw = node.getAttribute("href") || "";
      const url = raw.startsWith("#") ? null : safeUrl(raw);
      if (url) { clean.setAttribute("href", url); clean.setAttribute("target", "_blank"); clean.setAttribute("rel", "noopener noreferrer"); }
    }
    if ((tag === "TH" || tag === "TD") && /^(left|right|center)$/.test(node.getAttribute("align") || "")) {
      clean.setAttribute("align", node.getAttribute("align"));
    }
    if (tag === "OL" && /^\d+$/.test(node.getAttribute("start") || "")) clean.setAttribute("start", node.getAttribute("start"));
    copyClean(node, clean);
    dst.appendChild(clean);
  }
}
