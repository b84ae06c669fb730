/* "I read this as", editable. Under each question, every procedure the answer was computed from and every fact it
   used is a field: family, region, levels, side, guidance, purpose, muscles, joints, target, payer, claim type and the
   E/M visit. Changing one (open the field, pick the value: two clicks) posts the corrected understanding and the
   answer is recomputed from it by the rules engine. Which fields a family has and the values they take come from the
   catalog (GET /api/understanding/choices); nothing here lists families, regions or sides. */
import { api } from "./api.js";
import { el, icon } from "./dom.js";

const READING_LINE = "I read this as:";
const NOT_STATED = "not stated";

let choicesPromise = null;

/** The catalog's choices, fetched once (a failed fetch is tried again on the next call). */
export function loadChoices() {
  if (!choicesPromise) {
    choicesPromise = api("GET", "/api/understanding/choices").catch((err) => { choicesPromise = null; throw err; });
  }
  return choicesPromise;
}

/** The answer text without its prose "I read this as" paragraph, which the editable summary replaces. */
export function withoutReadingLine(text) {
  return String(text || "").split(/\n{2,}/).filter((p) => !p.startsWith(READING_LINE)).join("\n\n");
}

const capital = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);
const plural = (n, word) => n + " " + word + (n === 1 ? "" : "s");
const range = (n) => Array.from({ length: n }, (_, i) => i + 1);

/** The editable state of a view: its procedures (with what the fields alone do not show, and `read`: the procedure
    as read, to tell a field the question left empty from one the coder emptied), E/M, payer, setting. */
function toState(view) {
  return {
    procedures: (view.procedures || []).map((p) => ({ ...p, joints: (p.joints || []).map((j) => ({ ...j })), read: p })),
    notBilled: view.not_billed || [],
    em: view.em ? { ...view.em } : null,
    payer: view.payer,
    setting: view.setting,
  };
}

/** The correction to post: each procedure with only its family's fields (procedures still without a family wait). */
function toEdit(state, families) {
  return {
    procedures: state.procedures.filter((p) => families.has(p.family)).map((p) => {
      const out = { source: p.source ?? null, family: p.family };
      for (const field of families.get(p.family).fields) {
        out[field] = field === "joints" ? p.joints.map((j) => ({ name: j.name, side: j.side || null })) : (p[field] ?? null);
      }
      return out;
    }),
    em: state.em ? { code: state.em.code || null, separate_problem: state.em.separate_problem ?? null,
      new_patient: state.em.new_patient ?? null } : null,
    payer: state.payer,
    setting: state.setting,
  };
}

function sidesText(sides) {
  return Object.entries(sides || {}).map(([side, levels]) => side + " " + levels.join(", ")).join("; ");
}

/** The "I read this as" section for answer `a` (null when it has nothing to correct). `onCorrected(answer, key)`
    receives the recomputed answer and the field the coder was on; `focusKey` is the field to focus once drawn. */
export function understoodSection(a, onCorrected, focusKey) {
  if (!a.understood || !a.conversation_id || !a.answer_id) return null;
  const idBase = "u-" + a.answer_id;
  const titleId = idBase + "-title";
  const form = el("form", { class: "understood-form", novalidate: true, on: { submit: (e) => e.preventDefault() } });
  const status = el("p", { class: "ustatus", role: "status" });
  const problem = el("p", { class: "ustatus alert-text", role: "alert" });
  const section = el("section", { class: "understood", "aria-labelledby": titleId, "data-role": "understood" },
    el("div", { class: "understood-head" },
      el("h3", { class: "section-title", id: titleId, tabindex: "-1", text: "I read this as" }),
      el("span", { class: "hint", text: "Wrong? Change a field and the answer is recomputed." })),
    form, status, problem);
  const url = "/api/conversations/" + encodeURIComponent(a.conversation_id) + "/turns/" +
    encodeURIComponent(a.answer_id) + "/correct";

  loadChoices().then((choices) => {
    const families = new Map(choices.families.map((f) => [f.id, f]));
    const ui = new Summary(a, choices, families, { form, status, problem, section }, url, idBase, onCorrected);
    if (a.corrected) section.insertBefore(ui.correctedNote(), form);
    ui.render(focusKey || null);
  }).catch((err) => {
    form.replaceChildren(el("p", { class: "alert-text", role: "alert", text: "The fields to correct this reading could not be loaded: " + err.message }),
      el("button", { type: "button", class: "btn btn-sm", text: "Retry", on: { click: () => section.replaceWith(understoodSection(a, onCorrected, "retry")) } }));
  });
  return section;
}

class Summary {
  constructor(a, choices, families, nodes, url, idBase, onCorrected) {
    Object.assign(this, { a, choices, families, url, idBase, onCorrected }, nodes);
    this.state = toState(a.understood);
    this.editFields = [...new Set(choices.families.flatMap((f) => f.fields))];
    this.busy = false;
    this.again = false;
  }

  id(key) { return this.idBase + "-" + key; }

  /** A labelled select; `pick(value)` gets the chosen option's value ("" = not stated). */
  field(key, name, options, value, pick, extraClass, required) {
    const current = value === null || value === undefined ? "" : String(value);
    const select = el("select", { id: this.id(key), "data-key": key, "aria-required": required ? "true" : null,
      class: current === "" ? "unset" + (required ? " required" : "") : null });
    const values = options.map(([v]) => String(v));
    if (!values.includes(current)) options = [[current, current], ...options]; // a value read that the list lacks
    for (const [v, text] of options) {
      const opt = el("option", { value: String(v), text });
      if (String(v) === current) opt.selected = true;
      select.appendChild(opt);
    }
    select.addEventListener("change", () => pick(select.value));
    return el("label", { class: "ufield" + (extraClass ? " " + extraClass : ""), for: this.id(key) },
      el("span", { class: "ufield-name", text: name }), select);
  }

  options(list, unset) {
    return [...(unset ? [["", unset]] : []), ...list.map((o) => [o.value, o.label])];
  }

  /** Change the state, redraw (keeping focus on `key`) and, unless `wait`, recompute the answer. */
  change(key, mutate, wait) {
    mutate(this.state);
    this.render(key);
    if (!wait) this.submit(key);
  }

  render(focusKey) {
    const s = this.state;
    const nodes = s.procedures.map((p, i) => this.procedure(p, i));
    nodes.push(this.facts());
    const add = el("div", { class: "uactions" },
      s.procedures.length < this.choices.max_procedures
        ? el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-key": "add-procedure", text: "+ Procedure",
          on: { click: () => this.change("p" + s.procedures.length + "-family", (st) => st.procedures.push({ source: null, family: "", joints: [] }), true) } })
        : null,
      s.em ? null : el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-key": "add-em", text: "+ E/M visit",
        on: { click: () => this.change("em-code", (st) => { st.em = { code: null, separate_problem: null, new_patient: null }; }) } }));
    nodes.push(add);
    const pending = s.notBilled.filter((nb) => !s.procedures.some((p) => p.source === nb.source));
    if (pending.length) {
      nodes.push(el("p", { class: "unotbilled" }, el("span", { class: "muted", text: "Not billed today: " }),
        pending.map((nb, k) => [k ? "; " : "", (nb.label || "procedure") + (nb.why ? " (" + nb.why + ") " : " "),
          el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-key": "bill-" + nb.source,
            "aria-label": "Bill it today: " + (nb.label || "procedure"), text: "Bill it",
            on: { click: () => this.billIt(nb) } })])));
    }
    this.form.replaceChildren(...nodes);
    if (focusKey) this.focus(focusKey);
  }

  focus(key) {
    const target = this.form.querySelector('[data-key="' + key + '"]');
    (target || this.section.querySelector("h3")).focus();
  }

  /** Bill a procedure the reading left out (planned, only mentioned...) today, with the fields it was read with. */
  billIt(nb) {
    const family = nb.family || (nb.candidates || [])[0] || "";
    const read = nb.as_billed ? { ...nb.as_billed, joints: (nb.as_billed.joints || []).map((j) => ({ ...j })) } : null;
    const i = this.state.procedures.length;
    this.change("p" + i + "-family", (st) => st.procedures.push(read || { source: nb.source, family, joints: [] }), !family);
  }

  procedure(p, i) {
    const fam = this.families.get(p.family);
    const key = (f) => "p" + i + "-" + f;
    const set = (f, convert) => (v) => this.change(key(f), (st) => { st.procedures[i][f] = v === "" ? null : (convert ? convert(v) : v); });
    const name = fam ? capital(fam.label) : "New procedure";
    const families = this.choices.families.map((f) => [f.id, capital(f.label)]);
    const kids = [this.field(key("family"), "Procedure", fam ? families : [["", "Choose the procedure…"], ...families], p.family,
      (v) => this.change(key("family"), (st) => this.refamily(st.procedures[i], v), !v), "ufield-family")];
    const fields = fam ? fam.fields : [];
    const c = this.choices;
    for (const f of fields) {
      const req = fam.required.includes(f);
      const unset = req ? "choose…" : NOT_STATED;
      const add = (name, options, convert) => kids.push(this.field(key(f), name, options, p[f], set(f, convert), null, req));
      if (f === "region") add("Region", this.options(c.regions, unset));
      else if (f === "levels") add("Levels", [["", unset], ...range(c.max_levels).map((n) => [n, plural(n, "level")])], Number);
      else if (f === "side") {
        const sides = this.options(c.sides, unset);
        if (Object.keys(p.sides || {}).length > 1) sides.push(["by_level", "By level: " + sidesText(p.sides)]);
        add("Side", sides);
      } else if (f === "guidance") add("Guidance", this.options(c.guidance, unset));
      else if (f === "purpose") add("Purpose", this.options(c.purposes, unset));
      else if (f === "muscles") add("Muscles", [["", unset], ...range(c.max_muscles).map((n) => [n, plural(n, "muscle")])], Number);
      else if (f === "target") add("Target", this.options(fam.targets, unset));
      else if (f === "joints") kids.push(...this.joints(p, i));
    }
    kids.push(el("button", { type: "button", class: "btn btn-ghost btn-sm btn-icon uremove", "data-key": key("remove"),
      "aria-label": "Remove procedure " + (i + 1) + ": " + name, title: "Not done today: remove it",
      on: { click: () => this.change("p" + Math.max(0, i - 1) + "-family", (st) => st.procedures.splice(i, 1)) } }, icon("trash")));
    return el("fieldset", { class: "uproc", "data-family": p.family || "" },
      el("legend", { class: "sr-only", text: "Procedure " + (i + 1) + ": " + name }), kids);
  }

  /** A new family for procedure `p`: the fields it does not have are cleared, the others kept. */
  refamily(p, family) {
    p.family = family;
    const fields = (this.families.get(family) || { fields: [] }).fields;
    for (const f of this.editFields) if (!fields.includes(f)) p[f] = f === "joints" ? [] : null;
    if (p.side === "by_level") p.side = null;
  }

  joints(p, i) {
    const c = this.choices;
    const key = (k, f) => "p" + i + "-j" + k + "-" + f;
    const out = p.joints.map((j, k) => el("span", { class: "ujoint", role: "group", "aria-label": "Joint " + (k + 1) },
      this.field(key(k, "name"), "Joint " + (k + 1), this.options(c.joints), j.name,
        (v) => this.change(key(k, "name"), (st) => { st.procedures[i].joints[k].name = v; })),
      this.field(key(k, "side"), "Side", this.options(c.sides, NOT_STATED), j.side,
        (v) => this.change(key(k, "side"), (st) => { st.procedures[i].joints[k].side = v || null; })),
      el("button", { type: "button", class: "btn btn-ghost btn-sm btn-icon", "data-key": key(k, "remove"),
        "aria-label": "Remove joint " + (k + 1) + ": " + j.name,
        on: { click: () => this.change("p" + i + "-add-joint", (st) => st.procedures[i].joints.splice(k, 1)) } }, icon("trash"))));
    if (p.joints.length < c.max_joints) {
      out.push(el("button", { type: "button", class: "btn btn-ghost btn-sm", "data-key": "p" + i + "-add-joint", text: "+ Joint",
        on: { click: () => this.change(key(p.joints.length, "name"), (st) => st.procedures[i].joints.push({ name: c.joints[0].value, side: null })) } }));
    }
    return out;
  }

  facts() {
    const c = this.choices;
    const s = this.state;
    const kids = [
      this.field("payer", "Payer", this.options(c.payers), s.payer, (v) => this.change("payer", (st) => { st.payer = v; })),
      this.field("setting", "Claim", this.options(c.settings), s.setting, (v) => this.change("setting", (st) => { st.setting = v; })),
    ];
    if (s.em) {
      const yesNo = [["", NOT_STATED], ["true", "Yes"], ["false", "No"]];
      kids.push(
        this.field("em-code", "E/M visit", this.options(c.em_codes, "level not stated"), s.em.code,
          (v) => this.change("em-code", (st) => { st.em.code = v || null; })),
        this.field("em-separate", "Separate problem", yesNo, s.em.separate_problem,
          (v) => this.change("em-separate", (st) => { st.em.separate_problem = v === "" ? null : v === "true"; })),
        el("button", { type: "button", class: "btn btn-ghost btn-sm btn-icon uremove", "data-key": "em-remove",
          "aria-label": "Remove the E/M visit", title: "No E/M visit: remove it",
          on: { click: () => this.change("add-em", (st) => { st.em = null; }) } }, icon("trash")));
    }
    return el("fieldset", { class: "uproc ufacts" }, el("legend", { class: "sr-only", text: "Claim facts" }), kids);
  }

  correctedNote() {
    const changes = this.a.corrected.changes || [];
    const original = this.a.corrected.original;
    return el("div", { class: "ucorrected" },
      el("p", { text: changes.length ? "Recomputed from your correction: " + changes.join("; ") + "." : "Recomputed from the original reading." }),
      changes.length ? el("details", { class: "uoriginal" },
        el("summary", { text: "Original reading" }),
        el("p", { text: this.a.corrected.original_words || "" }),
        el("button", { type: "button", class: "btn btn-sm", "data-key": "restore", text: "Restore the original reading",
          on: { click: () => { this.state = toState(original); this.render("restore"); this.submit("restore"); } } })) : null);
  }

  /** Progress in the polite status line, a problem in the alert line (the other one is cleared). */
  say(text, problem) {
    this.status.textContent = problem ? "" : text;
    this.problem.textContent = problem ? text : "";
  }

  /** The first field that picks a procedure's code and is empty where the question did not leave it empty (an added
      or newly billed procedure, a new family, a value the coder cleared): {i, field, label}, or null. */
  missing() {
    const empty = (v) => v === null || v === undefined || (Array.isArray(v) && !v.length);
    for (const [i, p] of this.state.procedures.entries()) {
      const fam = this.families.get(p.family);
      const asRead = p.read && p.read.family === p.family;
      const field = fam && fam.required.find((f) => empty(p[f]) && !(asRead && empty(p.read[f])));
      if (field) return { i, field, label: fam.label };
    }
    return null;
  }

  /** Post the state; a change made while a request runs is sent when it returns (the latest state wins). */
  async submit(focusKey) {
    if (this.busy) { this.again = true; return; }
    const gap = this.missing();
    if (gap) { // the server would refuse it: say what to choose, and go there, instead of asking
      this.say("Choose the " + (gap.field === "joints" ? "joint" : gap.field) + " of the " + gap.label + " (procedure " +
        (gap.i + 1) + ") to recompute the answer.", true);
      this.focus("p" + gap.i + "-" + (gap.field === "joints" ? "add-joint" : gap.field));
      return;
    }
    this.busy = true;
    this.section.setAttribute("aria-busy", "true");
    this.say("Recomputing the answer…", false);
    let answer = null;
    let error = null;
    try {
      answer = await api("POST", this.url, toEdit(this.state, this.families));
    } catch (err) {
      error = err;
    }
    this.busy = false;
    this.section.removeAttribute("aria-busy");
    if (this.again) { this.again = false; this.submit(focusKey); return; }
    if (error) {
      this.say("Not recomputed: " + error.message, true);
      return;
    }
    const active = document.activeElement;
    const key = active && this.section.contains(active) && active.dataset ? active.dataset.key || focusKey : focusKey;
    this.onCorrected(answer, key);
  }
}
