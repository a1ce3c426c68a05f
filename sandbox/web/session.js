// One person's chat with one bot: its messages as they happen, the person's state, and what they do.
//
// Messages come from the control API (`/messages` once, then the live feed); the person's state
// (chat action, reply keyboard, poll answers) is polled every second.

import { API, Live, call, chatQuery, upload } from "./api.js";
import { $, copy, fail, showAlert, toast } from "./page.js";
import { h, renderMessage, safeUrl } from "./render.js";

const ACTIONS = {
  typing: "typing…",
  upload_photo: "sending a photo…",
  upload_document: "sending a file…",
  upload_video: "sending a video…",
  record_video: "recording a video…",
  upload_voice: "sending a voice message…",
  record_voice: "recording a voice message…",
  choose_sticker: "choosing a sticker…",
  find_location: "finding a location…",
  record_video_note: "recording a video message…",
  upload_video_note: "sending a video message…",
};
const STATE_EVERY = 1000;
const POLLS_EVERY_TICKS = 3;

export class ChatSession {
  constructor(user, botId) {
    this.user = user;
    this.botId = botId;
    this.items = new Map();
    this.answers = "{}";
    this.pollAnswers = {};
    this.live = null;
    this.timer = null;
    this.ticks = 0;
    this.closed = false;
    this.connection = "connecting";
    this.action = null;
    this.lastBotMessageAt = 0;
    this.keyboard = null;
    this.keyboardHidden = false;
    this.stick = true;
    this.ctx = {
      me: user.id,
      fileUrl: (mid) => `${API}${this.path(`/files/${mid}`)}`,
      pollAnswers: (mid) => this.pollAnswers[String(mid)],
      onCommand: (command) => this.send(command),
      onPress: (message, button, el) => this.press(message, button, el),
      onVote: (message, options) => this.vote(message, options),
      onCopy: (text) => copy(text),
    };
  }

  path(suffix) {
    const query = chatQuery(this.botId);
    if (!query) return `/users/${this.user.id}${suffix}`;
    return `/users/${this.user.id}${suffix}${suffix.includes("?") ? "&" : "?"}${query}`;
  }

  async open() {
    const history = await call("GET", this.path("/messages"));
    if (this.closed) return;
    $("messages").replaceChildren();
    for (const message of history.messages) this.put(message);
    this.scrollDown(true);
    this.live = new Live(
      this.user.id,
      this.botId,
      history.seq,
      (event) => this.onEvent(event),
      (status) => this.setConnection(status),
    ).start();
    await this.tick();
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.live) this.live.stop();
  }

  // messages

  put(message) {
    const id = message.message_id;
    const el = renderMessage(message, this.ctx);
    for (const img of el.querySelectorAll("img")) img.addEventListener("load", () => this.scrollDown(false));
    const old = this.items.get(id);
    if (old) old.el.replaceWith(el);
    else $("messages").append(el);
    this.items.set(id, { message, el });
  }

  remove(id) {
    const old = this.items.get(id);
    if (old) old.el.remove();
    this.items.delete(id);
  }

  onEvent(event) {
    if (this.closed) return;
    if (event.kind === "delete") this.remove(event.message_id);
    else this.put(event.message);
    if (event.kind === "new" && event.from_bot) {
      this.lastBotMessageAt = Date.now();
      this.showStatus();
      this.refreshState();
    }
    this.scrollDown(!event.from_bot);
  }

  scrollDown(force) {
    const box = $("messages");
    if (force || this.stick) box.scrollTop = box.scrollHeight;
  }

  // the person's state

  async tick() {
    if (this.closed) return;
    await this.refreshState();
    // Open polls change without a chat event (votes, stopPoll, open_period): look at them now and then.
    this.ticks += 1;
    const open = [...this.items.values()].some(({ message }) => message.poll && !message.poll.is_closed);
    if (open && this.ticks % POLLS_EVERY_TICKS === 0) await this.refreshPolls();
    if (!this.closed) this.timer = setTimeout(() => this.tick(), STATE_EVERY);
  }

  async refreshState() {
    let state;
    try {
      state = await call("GET", this.path("/state"));
    } catch {
      return;
    }
    if (this.closed) return;
    const age = state.chat_action_age;
    const setAt = age == null ? 0 : Date.now() - age * 1000;
    // Telegram stops showing an action once a message from the bot arrives.
    this.action = state.chat_action && setAt > this.lastBotMessageAt ? state.chat_action : null;
    this.showStatus();
    this.setKeyboard(state.reply_keyboard);
    const answers = JSON.stringify(state.poll_answers || {});
    if (answers !== this.answers) {
      this.answers = answers;
      this.pollAnswers = state.poll_answers || {};
      for (const { message } of this.items.values()) if (message.poll) this.put(message);
    }
  }

  async refreshPolls() {
    try {
      const history = await call("GET", this.path("/messages"));
      if (this.closed) return;
      for (const message of history.messages) {
        const known = this.items.get(message.message_id);
        if (known && message.poll && JSON.stringify(known.message.poll) !== JSON.stringify(message.poll)) this.put(message);
      }
    } catch {
      // Retried on the next tick.
    }
  }

  setConnection(status) {
    this.connection = status;
    this.showStatus();
  }

  showStatus() {
    const el = $("chat-status");
    let text = "bot";
    if (this.connection !== "live") text = "connecting…";
    else if (this.action) text = ACTIONS[this.action] || `${this.action.replace(/_/g, " ")}…`;
    el.textContent = text;
    el.classList.toggle("active", Boolean(this.action) && this.connection === "live");
  }

  setKeyboard(rows) {
    const key = JSON.stringify(rows || null);
    if (key === JSON.stringify(this.keyboard)) return;
    this.keyboard = rows || null;
    this.keyboardHidden = false;
    this.showKeyboard();
  }

  showKeyboard() {
    const box = $("reply-keyboard");
    const toggle = $("keyboard-toggle");
    toggle.hidden = !this.keyboard;
    box.hidden = !this.keyboard || this.keyboardHidden;
    box.replaceChildren(
      ...(this.keyboard || []).map((row) =>
        h(
          "div",
          { class: "keyboard-row" },
          row.map((text) =>
            h("button", { type: "button", class: "reply-button", dataset: { testid: "reply-button" }, onclick: () => this.send(text) }, text),
          ),
        ),
      ),
    );
  }

  // what the person does

  async send(text) {
    if (!text.trim()) return;
    try {
      await call("POST", this.path("/messages"), { text });
    } catch (error) {
      fail(error);
    }
  }

  async sendFile(kind, file, caption) {
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("filename", file.name);
    if (caption) form.append("caption", caption);
    if (this.botId != null) form.append("bot_id", String(this.botId));
    await upload(`/users/${this.user.id}/${kind}`, form);
  }

  async press(message, button, el) {
    el.classList.add("pending");
    try {
      const result = await call("POST", this.path("/press"), {
        button: button.text,
        message_id: message.message_id,
        wait_answer: true,
        timeout: 15,
      });
      const answer = result.answer;
      if (answer && answer.url && safeUrl(answer.url)) window.open(safeUrl(answer.url), "_blank", "noopener");
      if (answer && answer.text) {
        if (answer.show_alert) showAlert(answer.text);
        else toast(answer.text);
      }
    } catch (error) {
      // A bot that never answers a button leaves it as Telegram does: the spinner just stops.
      if (!/did not answer/.test(error.message)) fail(error);
    } finally {
      el.classList.remove("pending");
    }
  }

  async vote(message, options) {
    try {
      await call("POST", this.path("/poll_answers"), { message_id: message.message_id, option_ids: options });
      await this.refreshState();
      await this.refreshPolls();
    } catch (error) {
      fail(error);
    }
  }
}
