// The sidebar: the bots (a selector when there are several), the people, a form to add one, and notes.

import { call } from "./api.js";
import { $, avatar, copy, currentBotId, go, page, toast } from "./page.js";
import { h } from "./render.js";

export function renderBots() {
  const select = $("bot-select");
  select.hidden = page.bots.length < 2;
  const chosen = currentBotId();
  select.replaceChildren(
    ...page.bots.map((b) => h("option", { value: String(b.id), selected: b.id === chosen }, `${b.first_name} (@${b.username})`)),
  );
  $("no-bot").hidden = page.bots.length > 0;
}

export function renderUsers() {
  const list = $("user-list");
  const active = page.session ? page.session.user.id : null;
  list.replaceChildren(
    ...page.users.map((user) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: `user-item${user.id === active ? " active" : ""}`,
            dataset: { testid: "user-item", userId: user.id },
            onclick: () => go(user.id, currentBotId()),
          },
          avatar(user),
          h(
            "span",
            { class: "user-meta" },
            h("span", { class: "user-name" }, user.full_name),
            h("span", { class: "user-sub" }, [user.username ? `@${user.username}` : `id ${user.id}`, user.language_code].filter(Boolean).join(" · ")),
          ),
        ),
      ),
    ),
  );
  $("no-users").hidden = page.users.length > 0;
}

export async function loadPeople() {
  try {
    const [bots, users] = await Promise.all([call("GET", "/bots"), call("GET", "/users")]);
    const changed = JSON.stringify([bots, users]) !== JSON.stringify([page.bots, page.users]);
    page.bots = bots;
    page.users = users;
    if (changed) {
      renderBots();
      renderUsers();
    }
  } catch (error) {
    // The sandbox may be restarting; the next round tries again.
  }
}

function renderNotes(notes) {
  const section = $("notes");
  section.hidden = notes.length === 0;
  $("notes-list").replaceChildren(
    ...notes.map((note) => {
      const oneCommand = /^\/\S+( [^\n]*)?$/.test(note.text.trim());
      return h(
        "div",
        { class: "note", dataset: { testid: "note" } },
        h("div", { class: "note-title", dataset: { testid: "note-title" } }, note.title),
        h("pre", { class: "note-text", dataset: { testid: "note-text" } }, note.text),
        h(
          "div",
          { class: "note-actions" },
          h("button", { type: "button", class: "small", dataset: { testid: "note-copy" }, onclick: () => copy(note.text) }, "Copy"),
          oneCommand
            ? h(
                "button",
                {
                  type: "button",
                  class: "small",
                  dataset: { testid: "note-send" },
                  title: "send it as the person whose chat is open",
                  onclick: () => (page.session ? page.session.send(note.text.trim()) : toast("Pick a person first")),
                },
                "Send in chat",
              )
            : null,
        ),
      );
    }),
  );
}

export async function loadNotes() {
  try {
    const notes = await call("GET", "/notes");
    const key = JSON.stringify(notes);
    if (key !== page.notes) {
      page.notes = key;
      renderNotes(notes);
    }
  } catch (error) {
    // Retried on the next round.
  }
}

export async function createUser(event) {
  event.preventDefault();
  const form = event.target;
  const error = $("new-user-error");
  error.textContent = "";
  const body = {
    first_name: form.first_name.value.trim(),
    last_name: form.last_name.value.trim() || null,
    language_code: form.language_code.value,
  };
  if (!body.first_name) {
    error.textContent = "A first name is needed.";
    return;
  }
  try {
    const user = await call("POST", "/users", body);
    form.reset();
    await loadPeople();
    go(user.id, currentBotId());
  } catch (err) {
    error.textContent = err.message;
  }
}
