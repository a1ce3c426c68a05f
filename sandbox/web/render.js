// Building messages as Telegram shows them, always through DOM nodes (text is never parsed as HTML).
//
// `renderText` turns a Bot API text and its entities (UTF-16 offsets, as JavaScript strings count)
// into nodes; `renderMessage` makes a whole bubble: reply quote, text or caption, photo, document,
// poll, inline keyboard, time and the "edited" mark.

/** `h("div", {class: "x", dataset: {testid: "y"}}, child, "text")`: an element with children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const SAFE_SCHEMES = new Set(["http:", "https:", "tg:", "mailto:", "tel:"]);

/** The URL if it is one a page may link to (no `javascript:` and the like), else null. */
export function safeUrl(raw) {
  try {
    const url = new URL(raw, "https://invalid.example/");
    if (!SAFE_SCHEMES.has(url.protocol) || url.hostname === "invalid.example") return null;
    return url.href;
  } catch {
    return null;
  }
}

function link(href) {
  const url = safeUrl(href);
  if (!url) return h("span", { class: "link-broken" });
  return h("a", { href: url, target: "_blank", rel: "noopener noreferrer" });
}

/** The element an entity makes, and the element its content goes into. */
function entityElement(entity, covered, ctx) {
  switch (entity.type) {
    case "bold":
      return h("strong");
    case "italic":
      return h("em");
    case "underline":
      return h("u");
    case "strikethrough":
      return h("s");
    case "spoiler": {
      const el = h("span", { class: "spoiler", title: "spoiler", dataset: { testid: "spoiler" } });
      el.addEventListener("click", () => el.classList.add("revealed"));
      return el;
    }
    case "code":
      return h("code", { class: "inline-code" });
    case "pre": {
      const code = h("code", entity.language ? { class: `language-${entity.language}` } : {});
      const pre = h("pre", { dataset: entity.language ? { language: entity.language } : {} }, code);
      return [pre, code];
    }
    case "text_link":
      return link(entity.url);
    case "url":
      return link(/^[a-z][a-z0-9+.-]*:/i.test(covered) ? covered : `http://${covered}`);
    case "email":
      return link(`mailto:${covered}`);
    case "phone_number":
      return link(`tel:${covered.replace(/[^+\d]/g, "")}`);
    case "mention":
      return link(`https://t.me/${covered.replace(/^@/, "")}`);
    case "text_mention":
      return h("span", { class: "mention", title: entity.user ? `user ${entity.user.id}` : "" });
    case "bot_command": {
      const el = h("span", { class: "command", role: "button", tabindex: "0" });
      if (ctx.onCommand) el.addEventListener("click", () => ctx.onCommand(covered));
      return el;
    }
    case "hashtag":
    case "cashtag":
      return h("span", { class: "tag" });
    case "blockquote":
      return h("blockquote");
    case "expandable_blockquote": {
      const el = h("blockquote", { class: "expandable", title: "show more" });
      el.addEventListener("click", () => el.classList.toggle("expanded"));
      return el;
    }
    default:
      return h("span", { class: `entity-${String(entity.type).replace(/[^a-z_]/g, "")}` });
  }
}

function build(parent, text, entities, start, end, ctx) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const entityEnd = entity.offset + entity.length;
    let j = i + 1;
    while (j < entities.length && entities[j].offset < entityEnd) j += 1;
    const from = Math.max(entity.offset, pos);
    const to = Math.min(entityEnd, end);
    if (from > pos) parent.append(text.slice(pos, from));
    if (to > from) {
      const made = entityElement(entity, text.slice(entity.offset, entityEnd), ctx);
      const [outer, inner] = Array.isArray(made) ? made : [made, made];
      build(inner, text, entities.slice(i + 1, j), from, to, ctx);
      parent.append(outer);
      pos = to;
    }
    i = j;
  }
  if (pos < end) parent.append(text.slice(pos, end));
}

/** Text with its entities as a fragment of DOM nodes. */
export function renderText(text, entities, ctx = {}) {
  const fragment = document.createDocumentFragment();
  if (!text) return fragment;
  const sorted = [...(entities || [])]
    .filter((e) => e.length > 0 && e.offset >= 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  build(fragment, text, sorted, 0, text.length, ctx);
  trimAroundBlocks(fragment);
  return fragment;
}

/** A line break next to a block (pre, blockquote) would show as an empty line: drop it, as Telegram does. */
function trimAroundBlocks(root) {
  for (const block of root.querySelectorAll("pre, blockquote")) {
    const before = block.previousSibling;
    if (before && before.nodeType === Node.TEXT_NODE && before.data.endsWith("\n")) before.data = before.data.slice(0, -1);
    const after = block.nextSibling;
    if (after && after.nodeType === Node.TEXT_NODE && after.data.startsWith("\n")) after.data = after.data.slice(1);
  }
}

/** "1.5 KB" */
export function formatSize(bytes) {
  if (bytes == null) return "";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

function clock(seconds) {
  if (!seconds) return "";
  const date = new Date(seconds * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function senderName(user) {
  if (!user) return "";
  return [user.first_name, user.last_name].filter(Boolean).join(" ") || user.username || "";
}

function replyQuote(reply) {
  const poll = reply.poll;
  const text = reply.text || reply.caption || (poll && poll.question) || (reply.document && reply.document.file_name);
  return h(
    "div",
    { class: "reply-quote", dataset: { testid: "reply-quote" } },
    h("div", { class: "reply-name" }, senderName(reply.from)),
    h("div", { class: "reply-text" }, text || (reply.photo ? "Photo" : "Message")),
  );
}

function photoBlock(message, ctx) {
  const sizes = message.photo;
  const best = sizes[sizes.length - 1] || {};
  const src = ctx.fileUrl(message.message_id);
  const img = h("img", {
    src,
    alt: "photo",
    loading: "lazy",
    width: best.width || null,
    height: best.height || null,
    dataset: { testid: "message-photo" },
  });
  return h("a", { class: "photo", href: src, target: "_blank", rel: "noopener" }, img);
}

function documentBlock(message, ctx) {
  const doc = message.document;
  const name = doc.file_name || "document";
  const href = ctx.fileUrl(message.message_id);
  return h(
    "a",
    { class: "document", href, download: name, dataset: { testid: "document" } },
    h("span", { class: "doc-icon", "aria-hidden": "true" }, (name.split(".").pop() || "file").slice(0, 4)),
    h(
      "span",
      { class: "doc-meta" },
      h("span", { class: "doc-name", dataset: { testid: "document-name" } }, name),
      h("span", { class: "doc-size", dataset: { testid: "document-size" } }, formatSize(doc.file_size)),
    ),
  );
}

function pollKind(poll) {
  if (poll.is_closed) return "Final results";
  return `${poll.is_anonymous ? "Anonymous" : "Public"} ${poll.type === "quiz" ? "Quiz" : "Poll"}`;
}

function pollBlock(message, ctx) {
  const poll = message.poll;
  const chosen = ctx.pollAnswers(message.message_id) || [];
  const voted = chosen.length > 0;
  const showResults = voted || poll.is_closed;
  const correct = new Set(poll.correct_option_ids || (poll.correct_option_id != null ? [poll.correct_option_id] : []));
  const total = poll.options.reduce((sum, o) => sum + (o.voter_count || 0), 0);
  const multiple = poll.allows_multiple_answers && !showResults;
  const picked = new Set();
  const voteButton = h("button", { class: "poll-vote", type: "button", disabled: true, dataset: { testid: "poll-vote" } }, "Vote");

  const options = poll.options.map((option, index) => {
    const label = h("span", { class: "poll-text" }, renderText(option.text, option.text_entities, ctx));
    if (showResults) {
      const share = total ? Math.round((100 * (option.voter_count || 0)) / total) : 0;
      let state = chosen.includes(index) ? "chosen" : "";
      if (poll.type === "quiz" && correct.size) {
        if (correct.has(index)) state = "correct";
        else if (chosen.includes(index)) state = "wrong";
      }
      return h(
        "div",
        { class: `poll-option result ${state}`, dataset: { testid: "poll-option", state: state || "none", index } },
        h("span", { class: "poll-share" }, `${share}%`),
        h("span", { class: "poll-body" }, label, h("span", { class: "poll-bar", style: `width:${share}%` })),
      );
    }
    const el = h(
      "button",
      { class: "poll-option", type: "button", dataset: { testid: "poll-option", index } },
      h("span", { class: multiple ? "poll-box" : "poll-dot" }),
      label,
    );
    el.addEventListener("click", () => {
      if (!multiple) {
        ctx.onVote(message, [index]);
        return;
      }
      if (picked.has(index)) picked.delete(index);
      else picked.add(index);
      el.classList.toggle("picked", picked.has(index));
      voteButton.disabled = picked.size === 0;
    });
    return el;
  });
  voteButton.addEventListener("click", () => ctx.onVote(message, [...picked].sort((a, b) => a - b)));

  const footer = h("div", { class: "poll-footer" }, `${poll.total_voter_count || 0} ${poll.total_voter_count === 1 ? "vote" : "votes"}`);
  if (voted && !poll.is_closed && poll.type !== "quiz" && poll.allows_revoting !== false) {
    footer.append(
      h("button", { class: "link-button", type: "button", dataset: { testid: "poll-retract" }, onclick: () => ctx.onVote(message, []) }, "Retract vote"),
    );
  }
  return h(
    "div",
    { class: "poll", dataset: { testid: "poll" } },
    h("div", { class: "poll-question", dataset: { testid: "poll-question" } }, renderText(poll.question, poll.question_entities, ctx)),
    h("div", { class: "poll-kind" }, pollKind(poll)),
    h("div", { class: "poll-options" }, options),
    multiple ? voteButton : null,
    poll.type === "quiz" && showResults && poll.explanation
      ? h("div", { class: "poll-explanation", dataset: { testid: "poll-explanation" } }, renderText(poll.explanation, poll.explanation_entities, ctx))
      : null,
    footer,
  );
}

function inlineKeyboard(message, ctx) {
  const rows = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
  if (!rows.length) return null;
  return h(
    "div",
    { class: "inline-keyboard", dataset: { testid: "inline-keyboard" } },
    rows.map((row) =>
      h(
        "div",
        { class: "keyboard-row" },
        row.map((button) => {
          const opens = button.url || (button.web_app && button.web_app.url) || (button.login_url && button.login_url.url);
          if (opens) {
            const href = safeUrl(opens);
            return h(
              "a",
              { class: "inline-button url", href: href || null, target: "_blank", rel: "noopener noreferrer", dataset: { testid: "inline-button" } },
              button.text,
              h("span", { class: "corner", "aria-hidden": "true" }, "↗"),
            );
          }
          const el = h("button", { class: "inline-button", type: "button", dataset: { testid: "inline-button" } }, button.text);
          if (button.callback_data != null) el.addEventListener("click", () => ctx.onPress(message, button, el));
          else if (button.copy_text) el.addEventListener("click", () => ctx.onCopy(button.copy_text.text));
          else el.disabled = true;
          return el;
        }),
      ),
    ),
  );
}

/** A whole message: `ctx` gives `me` (the person's id), `fileUrl`, `pollAnswers`, `onCommand`, `onPress`, `onVote`, `onCopy`. */
export function renderMessage(message, ctx) {
  const fromBot = Boolean(message.from && message.from.is_bot);
  const mine = !fromBot && message.from && message.from.id === ctx.me;
  const bubble = h("div", { class: "bubble" });
  if (message.reply_to_message) bubble.append(replyQuote(message.reply_to_message));
  if (message.photo) bubble.append(photoBlock(message, ctx));
  if (message.document) bubble.append(documentBlock(message, ctx));
  if (message.poll) bubble.append(pollBlock(message, ctx));
  const text = message.text != null ? message.text : message.caption;
  const entities = message.text != null ? message.entities : message.caption_entities;
  if (text) bubble.append(h("div", { class: "text", dataset: { testid: "message-text" } }, renderText(text, entities, ctx)));
  if (!message.photo && !message.document && !message.poll && text == null) {
    bubble.append(h("div", { class: "text unsupported" }, "This message is not supported by the web chat."));
  }
  bubble.append(
    h(
      "div",
      { class: "meta" },
      message.edit_date ? h("span", { class: "edited", dataset: { testid: "edited-mark" } }, "edited") : null,
      h("time", {}, clock(message.date)),
    ),
  );
  return h(
    "div",
    {
      class: `message ${mine ? "out" : "in"}`,
      dataset: { testid: "message", messageId: message.message_id, from: fromBot ? "bot" : "person" },
    },
    bubble,
    fromBot ? inlineKeyboard(message, ctx) : null,
  );
}
