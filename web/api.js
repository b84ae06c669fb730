/* The JSON API and the streamed answer (server-sent events over POST). Every failure becomes an ApiError whose
   message is fit to show; status 0 means the server could not be reached. */

export class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function errorMessage(status, data) {
  if (data && typeof data.message === "string" && data.message) {
    return data.where && !data.message.includes(data.where) ? data.message + " (" + data.where + ")" : data.message;
  }
  if (data && typeof data.detail === "string") return data.detail;
  if (data && Array.isArray(data.detail)) return data.detail.map((d) => d.msg || String(d)).join("; ");
  if (status >= 500) return "The server hit a problem (HTTP " + status + "). Please retry.";
  return "The request failed (HTTP " + status + ").";
}

async function readError(res) {
  let data = null;
  try { data = JSON.parse(await res.text()); } catch (_) { data = null; }
  return new ApiError(errorMessage(res.status, data), res.status, data);
}

/** The header that proves a state-changing request comes from this page (sign-in mode): the session's CSRF token,
    which the server set in the advisor_csrf cookie (readable only by pages of this origin). Empty without one. */
export function csrfHeaders() {
  const m = /(?:^|;\s*)advisor_csrf=([^;]+)/.exec(document.cookie);
  return m ? { "X-CSRF-Token": decodeURIComponent(m[1]) } : {};
}

/** Call the JSON API: the parsed body, null for an empty one; throws ApiError. */
export async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { ...csrfHeaders(), ...(body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (_) {
    throw new ApiError("Cannot reach the server. Check the connection and retry.", 0, null);
  }
  if (!res.ok) throw await readError(res);
  if (res.status === 204) return null;
  const text = await res.text();
  try { return text ? JSON.parse(text) : null; } catch (_) {
    throw new ApiError("The server sent a response that is not JSON.", 502, null);
  }
}

const FINAL_EVENTS = new Set(["final", "answer", "done", "result", "complete", "end"]);
const TEXT_KEYS = ["delta", "text", "token", "content", "chunk"];
const ERROR_STATUS = { InvalidInput: 422, DataError: 422, NotFound: 404, AdvisorError: 422 };

function looksLikeAnswer(obj) {
  return obj && typeof obj === "object" && typeof obj.answer === "string" &&
    ("answer_id" in obj || "verdict" in obj || "citations" in obj || "findings" in obj);
}

/** Ask with POST /api/ask/stream: onText(text so far) while it streams, onStage(payload) on progress events; resolves
    to the final answer. Falls back to POST /api/ask when the server has no streaming route. */
export async function streamAsk(body, onText, onStage) {
  let res;
  try {
    res = await fetch("/api/ask/stream", {
      method: "POST",
      headers: { ...csrfHeaders(), "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
    });
  } catch (_) {
    throw new ApiError("Lost the connection to the server before the answer started.", 0, null);
  }
  if (res.status === 405 || res.status === 501) return api("POST", "/api/ask", body); // no streaming route
  if (!res.ok) {
    const err = await readError(res);
    // A 404 without our error body means the stream route itself is missing: ask without streaming.
    if (res.status === 404 && !(err.body && err.body.error)) return api("POST", "/api/ask", body);
    throw err;
  }
  const type = res.headers.get("content-type") || "";
  if (type.includes("application/json")) return res.json();
  const acc = { text: "", final: null };
  if (!res.body || !res.body.getReader) {
    for (const block of (await res.text()).replace(/\r\n?/g, "\n").split("\n\n")) {
      if (block.trim()) handleEvent(block, onText, onStage, acc);
    }
  } else {
    await readStream(res.body.getReader(), onText, onStage, acc);
  }
  if (!acc.final) throw new ApiError("The answer stream ended before the answer was complete.", 0, null);
  return acc.final;
}

async function readStream(reader, onText, onStage, acc) {
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        handleEvent(buffer.slice(0, cut), onText, onStage, acc);
        buffer = buffer.slice(cut + 2);
      }
    }
    buffer += decoder.decode();
    if (buffer.trim()) handleEvent(buffer, onText, onStage, acc);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError("Lost the connection to the server while the answer was streaming.", 0, null);
  }
}

/** One SSE event block: text deltas go to onText (accumulated in acc.text), stages to onStage, the answer to
    acc.final; an error event throws ApiError. */
function handleEvent(block, onText, onStage, acc) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const idx = line.indexOf(":");
    const field = idx < 0 ? line : line.slice(0, idx);
    let value = idx < 0 ? "" : line.slice(idx + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") name = value.trim();
    else if (field === "data") data.push(value);
  }
  const raw = data.join("\n");
  if (!raw || raw === "[DONE]") return;
  let payload = raw;
  try { payload = JSON.parse(raw); } catch (_) { /* plain text chunk */ }

  if (name === "error" || (payload && typeof payload === "object" && payload.error && !looksLikeAnswer(payload))) {
    const obj = payload && typeof payload === "object" ? payload : { message: String(payload) };
    const status = obj.status || ERROR_STATUS[obj.error] || 500;
    throw new ApiError(errorMessage(status, obj) || "The server could not finish the answer.", status, obj);
  }
  if (name === "stage") { if (onStage && payload && typeof payload === "object") onStage(payload); return; }
  if (payload && typeof payload === "object") {
    if (looksLikeAnswer(payload)) { acc.final = payload; return; }
    if (FINAL_EVENTS.has(name) && looksLikeAnswer(payload.answer)) { acc.final = payload.answer; return; }
    for (const key of TEXT_KEYS) {
      if (typeof payload[key] === "string") { acc.text += payload[key]; onText(acc.text); return; }
    }
    return; // status / meta events
  }
  if (typeof payload === "string" && !FINAL_EVENTS.has(name)) {
    acc.text += payload;
    onText(acc.text);
  }
}
