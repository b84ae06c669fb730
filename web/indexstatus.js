/* The guidance index's build progress, from GET /healthz: a banner while the server builds the index on a fresh
   data dir (answers come from the rules engine meanwhile), hidden once it is ready. Polls only while building. */
import { api } from "./api.js";

const POLL_MS = 1000;

function describe(health) {
  const build = health.index_build || {};
  if (health.index === "error") return "Guidance index could not be built: " + (build.error || "see the server log") + ". Answers come from the rules engine without search citations.";
  const where = build.phase === "embedding" || build.phase === "indexing" ? build.percent + "%" : build.phase || "starting";
  return "Guidance index building, " + where + ": answers come from the rules engine now; search citations will follow.";
}

/** Show the build's progress in `banner` until the index is ready (or failed). */
export function watchIndex(banner) {
  async function poll() {
    let health;
    try { health = await api("GET", "/healthz"); } catch (_) { window.setTimeout(poll, POLL_MS * 3); return; }
    const building = health.index === "building";
    banner.hidden = health.index === "ready" || health.index === "idle";
    if (!banner.hidden) banner.textContent = describe(health);
    if (building) window.setTimeout(poll, POLL_MS);
  }
  poll();
}
