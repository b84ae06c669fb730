/* One answer in the conversation: the streaming placeholder, then the answer card (verdict badge, engine, Markdown
   with [n] chips, claim lines, findings, sources) and its thumbs up/down feedback. */
import { api } from "./api.js";
import { announce, el, icon } from "./dom.js";
import { openCitation } from "./citations.js";
import { claimSection, estimateSection, findingsSection, formatLine } from "./claims.js";
import { citationChip, renderMarkdown } from "./markdown.js";
import { understoodSection, withoutReadingLine } from "./understood.js";

export const VERDICTS = { yes: "Yes", no: "No", conditional: "Depends" };

const STAGES = {
  understood: () => "Understood the question; checking the rules…",
  checked: () => "Rules checked; finding the guidance…",
  retrieved: (p) => "Found " + (p.passages ?? "the") + " passages; writing the answer…",
};

/** The placeholder shown while an answer streams: {node, stage(payload), update(textSoFar)}. */
export function streamingAnswer(onRender) {
  const body = el("div", { class: "answer-body" });
  const label = el("span", { class: "meta stage", text: "Checking the rules and sources…" });
  const node = el("article", { class: "msg msg-answer", "aria-busy": "true" },
    el("div", { class: "answer streaming" },
      el("div", { class: "answer-head" },
        el("span", { class: "typing", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
        label),
      body));
  let pending = null;
  return {
    node,
    stage(payload) {
      const make = STAGES[payload.stage];
      if (make) label.textContent = make(payload);
    },
    update(text) {
      pending = text;
      window.requestAnimationFrame(() => {
        if (pending === null) return;
        body.replaceChildren(renderMarkdown(pending, null));
        pending = null;
        onRender();
      });
    },
  };
}

function verdictBadge(verdict) {
  if (!verdict || !VERDICTS[verdict]) return null;
  return el("span", { class: "badge badge-" + verdict, "data-verdict": verdict, text: VERDICTS[verdict] });
}

function engineLabel(engine) {
  if (!engine) return "Engine not reported";
  const e = String(engine);
  if (/^(offline|rules?)$/i.test(e) || /offline/i.test(e)) return "Offline rules engine";
  return "Model: " + e;
}

/** The answer card for answer `a`; `feedbackState` is the stored {rating, comment} when reopening a conversation;
    `focusKey` names the field of its "I read this as" summary to focus (after a correction). */
export function renderAnswer(a, feedbackState, focusKey) {
  const citations = new Map();
  for (const c of Array.isArray(a.citations) ? a.citations : []) if (c && c.n !== undefined) citations.set(Number(c.n), c);
  const ctx = { citations, onCite: openCitation };

  const kv = a.knowledge_version ? String(a.knowledge_version) : null;
  const corrected = a.corrected && Array.isArray(a.corrected.changes) && a.corrected.changes.length > 0;
  const head = el("div", { class: "answer-head" },
    verdictBadge(a.verdict),
    corrected ? el("span", { class: "badge badge-corrected", "data-role": "corrected", text: "Corrected" }) : null,
    el("span", { class: "spacer" }),
    a.engine_remote ? el("span", { class: "badge badge-remote", "data-role": "remote-engine", title: "Written by an LLM off this machine; it saw the question with patient identifiers replaced by placeholders.", text: "Remote LLM" }) : null,
    el("span", { class: "meta engine", "data-engine": a.engine || "", text: a.engine_label || engineLabel(a.engine) }),
    kv ? el("span", { class: "meta meta-sep knowledge-version", title: "Knowledge version " + kv, text: "Knowledge " + (kv.length > 14 ? kv.slice(0, 12) + "…" : kv) }) : null);

  // the editable summary replaces the prose "I read this as" line; a correction re-renders the whole answer
  const summary = understoodSection(a, (next, key) => {
    article.replaceWith(renderAnswer(next, feedbackState, key || "title"));
    const lines = Array.isArray(next.claim) ? next.claim.map(formatLine).join(", ") : "";
    announce("Answer recomputed" + (next.verdict && VERDICTS[next.verdict] ? ": " + VERDICTS[next.verdict] : "") +
      (lines ? ". Bill " + lines : ""));
  }, focusKey);
  const body = el("div", { class: "answer-body" });
  body.appendChild(renderMarkdown(summary ? withoutReadingLine(a.answer) : a.answer || "", ctx));

  const card = el("div", { class: "answer" }, head,
    a.notice ? el("div", { class: "answer-notice", role: "note", text: String(a.notice) }) : null, summary, body);

  if (Array.isArray(a.claim) && a.claim.length) card.appendChild(claimSection(a.claim, "Claim lines"));
  if (a.estimate && Array.isArray(a.estimate.lines)) card.appendChild(estimateSection(a.estimate));
  if (Array.isArray(a.findings) && a.findings.length) card.appendChild(findingsSection(a.findings));
  if (citations.size) {
    const list = el("ol", { class: "citations" });
    for (const c of citations.values()) {
      list.appendChild(el("li", { class: "citation" },
        citationChip(Number(c.n), ctx),
        el("button", { type: "button", class: "citation-link", text: c.title || c.doc || "Source " + c.n, on: { click: (e) => openCitation(c, e.currentTarget) } }),
        c.section ? el("span", { class: "citation-section", text: c.section }) : null));
    }
    card.appendChild(el("div", { class: "section" }, el("h3", { class: "section-title", text: "Sources" }), list));
  }
  if (a.applied && a.applied.statement) card.appendChild(el("p", { class: "meta applied", text: "Checked as: " + a.applied.statement }));
  card.appendChild(el("div", { class: "answer-foot" },
    el("span", { class: "meta", text: "The payer’s current policy rules; verify before you submit." }),
    a.answer_id ? feedbackWidget(a.answer_id, feedbackState) : null));

  const article = el("article", { class: "msg msg-answer", "data-answer-id": a.answer_id || "", "aria-label": "Answer" }, card);
  return article;
}

function feedbackWidget(answerId, existing) {
  let rating = existing ? existing.rating : null;
  const status = el("span", { class: "fb-status", role: "status" });
  const up = el("button", { type: "button", class: "btn btn-sm btn-icon fb-up", "aria-label": "Helpful", title: "Helpful", "aria-pressed": String(rating === "up") }, icon("up"));
  const down = el("button", { type: "button", class: "btn btn-sm btn-icon fb-down", "aria-label": "Not helpful", title: "Not helpful", "aria-pressed": String(rating === "down") }, icon("down"));
  const commentId = "fb-" + answerId;
  const area = el("textarea", { id: commentId, rows: "1", maxlength: "2000", placeholder: "What was wrong or missing? (optional, no patient details)" });
  const sendComment = el("button", { type: "submit", class: "btn btn-sm", text: "Send comment" });
  const commentForm = el("form", { class: "fb-comment", hidden: true },
    el("label", { class: "sr-only", for: commentId, text: "Feedback comment" }), area, sendComment);
  const wrap = el("div", { class: "feedback", "data-rating": rating || "" },
    el("span", { class: "meta", text: "Helpful?" }), up, down, status, commentForm);
  if (existing) {
    status.textContent = existing.comment ? "Rated, with comment" : "Rated";
  }

  async function send(newRating, comment) {
    up.disabled = down.disabled = true;
    try {
      await api("POST", "/api/feedback", { answer_id: answerId, rating: newRating, comment: comment || null });
      rating = newRating;
      wrap.dataset.rating = rating;
      up.setAttribute("aria-pressed", String(rating === "up"));
      down.setAttribute("aria-pressed", String(rating === "down"));
      status.className = "fb-status";
      status.textContent = comment ? "Comment saved. Thank you." : "Thanks, feedback saved.";
      return true;
    } catch (err) {
      status.className = "fb-status alert-text";
      status.textContent = "Feedback not saved: " + err.message;
      return false;
    } finally {
      up.disabled = down.disabled = false;
    }
  }
  up.addEventListener("click", async () => { if (await send("up")) { commentForm.hidden = false; } });
  down.addEventListener("click", async () => { if (await send("down")) { commentForm.hidden = false; area.focus(); } });
  commentForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = area.value.trim();
    if (!text || !rating) return;
    if (await send(rating, text)) { area.value = ""; commentForm.hidden = true; }
  });
  return wrap;
}
