// The web chat's connection to the sandbox: JSON calls to the control API and the live event feed.
//
// `call()` and `upload()` wrap fetch and raise ApiError with the sandbox's `{"error": ...}` text.
// `Live` follows one chat: server-sent events (`/stream?after=SEQ`), reconnecting after errors and
// falling back to the long-poll events endpoint when the stream keeps failing.

export const API = "/sandbox/api";

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function parse(response) {
  const type = response.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const text = body && typeof body === "object" ? body.error || body.description : body;
    throw new ApiError(text || `HTTP ${response.status}`, response.status);
  }
  return body;
}

/** A control API call; `body` is sent as JSON. */
export async function call(method, path, body, { signal } = {}) {
  const init = { method, headers: {}, signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return parse(await fetch(API + path, init));
}

/** A multipart upload (a `FormData` with a `file` part). */
export async function upload(path, form) {
  return parse(await fetch(API + path, { method: "POST", body: form }));
}

/** Query string of a chat: which bot the person talks to. */
export function chatQuery(botId) {
  return botId == null ? "" : `bot_id=${encodeURIComponent(botId)}`;
}

const RETRY_MIN = 500;
const RETRY_MAX = 5000;

/**
 * The events of one person's chat as they happen.
 * `onEvent(event)` gets each `{seq, kind, message_id, from_bot, message}` once, in order;
 * `onStatus("live" | "connecting")` tells whether the feed is connected.
 */
export class Live {
  constructor(userId, botId, after, onEvent, onStatus) {
    this.base = `${API}/users/${encodeURIComponent(userId)}`;
    this.query = chatQuery(botId);
    this.seq = after;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.stopped = false;
    this.source = null;
    this.abort = null;
    this.timer = null;
    this.failures = 0;
    this.polling = false;
    this.mode = typeof EventSource === "function" ? "stream" : "poll";
  }

  start() {
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.source) this.source.close();
    if (this.abort) this.abort.abort();
  }

  deliver(event) {
    if (this.stopped || event.seq <= this.seq) return;
    this.seq = event.seq;
    this.onEvent(event);
  }

  url(path, extra) {
    const parts = [`after=${this.seq}`, this.query, extra].filter(Boolean);
    return `${this.base}/${path}?${parts.join("&")}`;
  }

  connect() {
    if (this.stopped) return;
    if (this.mode === "stream") this.openStream();
    else this.pollOnce();
  }

  retry() {
    if (this.stopped) return;
    this.onStatus("connecting");
    this.failures += 1;
    // A stream that fails again and again (a proxy that buffers, an old browser): long polling.
    if (this.mode === "stream" && this.failures >= 3) this.mode = "poll";
    const delay = Math.min(RETRY_MAX, RETRY_MIN * 2 ** Math.min(this.failures, 4));
    this.timer = setTimeout(() => this.connect(), delay);
  }

  openStream() {
    const source = new EventSource(this.url("stream"));
    this.source = source;
    source.onopen = () => {
      this.failures = 0;
      this.onStatus("live");
    };
    const handle = (message) => this.deliver(JSON.parse(message.data));
    for (const kind of ["new", "edit", "delete"]) source.addEventListener(kind, handle);
    source.onerror = () => {
      // EventSource would reconnect with the original `after`: reconnect ourselves from `seq`.
      source.close();
      if (this.source === source) this.retry();
    };
  }

  async pollOnce() {
    this.abort = new AbortController();
    try {
      // The first request after (re)connecting returns at once, so the page knows it is connected.
      const wait = this.polling ? 25 : 0;
      const response = await fetch(this.url("events", `timeout=${wait}`), { signal: this.abort.signal });
      const body = await parse(response);
      this.failures = 0;
      this.polling = true;
      this.onStatus("live");
      for (const event of body.events) this.deliver(event);
      if (!this.stopped) this.timer = setTimeout(() => this.connect(), 0);
    } catch (error) {
      this.polling = false;
      if (!this.stopped) this.retry();
    }
  }
}
