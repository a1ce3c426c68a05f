// What every part of the web chat shares: the page's state, the address, and small UI helpers.
//
// The open chat is in the address (`#u=<user id>&b=<bot id>`), so each browser tab can be a
// different person; `go()` changes it and the app follows on `hashchange`.

import { ApiError } from "./api.js";
import { h } from "./render.js";

/** The element with that `data-testid`. */
export const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

/** Bots and people as last listed, the notes shown, the open chat, the command menu's commands. */
export const page = { bots: [], users: [], notes: "", session: null, commands: null };

/** The chat the address asks for. */
export function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { userId: Number(params.get("u")) || null, botId: Number(params.get("b")) || null };
}

/** Open a person's chat with a bot (`go(null)`: none). */
export function go(userId, botId) {
  const parts = [];
  if (userId) parts.push(`u=${userId}`);
  if (botId) parts.push(`b=${botId}`);
  const hash = parts.length ? `#${parts.join("&")}` : "#";
  if (location.hash !== hash) location.hash = hash;
  else window.dispatchEvent(new HashChangeEvent("hashchange"));
}

/** The bot of the address if it exists, else the first bot. */
export function currentBotId() {
  const wanted = route().botId;
  if (wanted && page.bots.some((b) => b.id === wanted)) return wanted;
  return page.bots.length ? page.bots[0].id : null;
}

let toastTimer = null;

/** A short message at the bottom that goes away by itself. */
export function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 3000);
}

/** A message the person must dismiss (a callback answer with `show_alert`). */
export function showAlert(text) {
  const dialog = $("alert-dialog");
  $("alert-text").textContent = text;
  if (typeof dialog.showModal === "function") dialog.showModal();
  else window.alert(text);
}

/** Tell the person that something they did failed. */
export function fail(error) {
  toast(error instanceof ApiError ? error.message : `Something went wrong: ${error.message || error}`);
}

function initials(user) {
  return ((user.first_name || "?")[0] + ((user.last_name || "")[0] || "")).toUpperCase();
}

function hue(id) {
  return (Number(id) * 47) % 360;
}

/** A round avatar with the initials, coloured by the id. */
export function avatar(user) {
  return h("span", { class: "avatar", style: `--hue:${hue(user.id)}`, "aria-hidden": "true" }, initials(user));
}

/** Copy text to the clipboard (also where the Clipboard API is unavailable, e.g. plain http). */
export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h("textarea", { class: "offscreen" }, text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  toast("Copied");
}
