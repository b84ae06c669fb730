/* The chat's Medicare locality: a selector beside the payer, filled from GET /api/localities and shown only when the
   server has the CMS GPCI file imported; the choice is remembered for the browser session (sessionStorage) and sent
   as the question's `locality`, so the answer's payment estimate is priced for it and names it. */
import { api } from "./api.js";
import { $, el } from "./dom.js";

const KEY = "advisor.locality";

function remembered() {
  try { return window.sessionStorage.getItem(KEY) || ""; } catch (_) { return ""; }
}

function remember(value) {
  try { window.sessionStorage.setItem(KEY, value); } catch (_) { /* storage disabled: the choice lasts the page */ }
}

/** Fill the selector (no GPCI file, or no access: it stays hidden and answers are priced nationally). */
export async function initLocality() {
  const select = $("#locality");
  let list = null;
  try { list = await api("GET", "/api/localities"); } catch (_) { return; }
  if (!list || !Array.isArray(list.localities) || !list.localities.length) return;
  select.append(...list.localities.map((p) => el("option", { value: p.key, text: p.state + " " + p.name + " (" + p.key + ")" })));
  const saved = remembered();
  if (list.localities.some((p) => p.key === saved)) select.value = saved;
  select.title = "Medicare locality of the answer's payment estimate (" + list.table + "); remembered for this session";
  select.addEventListener("change", () => remember(select.value));
  $("#locality-label").hidden = false;
}

/** The locality to send with a question, or null for national amounts. */
export function chosenLocality() {
  const select = $("#locality");
  return select && select.value ? select.value : null;
}
