// The web chat page: wires the sidebar, the open chat and the composer together, and follows the address.

import { call } from "./api.js";
import { $, avatar, currentBotId, fail, go, page, route } from "./page.js";
import { h, safeUrl } from "./render.js";
import { ChatSession } from "./session.js";
import { createUser, loadNotes, loadPeople, renderBots, renderUsers } from "./sidebar.js";

const PEOPLE_EVERY = 5000;
const NOTES_EVERY = 10000;

let following = 0;

async function follow() {
  const turn = ++following;
  const { userId } = route();
  const botId = currentBotId();
  const current = page.session;
  if (current && current.user.id === userId && current.botId === botId) return;
  if (current) current.close();
  page.session = null;
  page.commands = null;
  closeMenu();
  let user = page.users.find((u) => u.id === userId);
  if (userId && !user) {
    try {
      user = await call("GET", `/users/${userId}`);
    } catch {
      user = null;
    }
    if (turn !== following) return;
  }
  const open = Boolean(user && botId);
  document.body.classList.toggle("chat-open", open);
  $("chat-placeholder").hidden = open;
  $("conversation").hidden = !open;
  renderBots();
  if (!open) {
    renderUsers();
    return;
  }
  const bot = page.bots.find((b) => b.id === botId);
  $("chat-title").textContent = bot ? bot.first_name : "bot";
  $("chat-as").textContent = `as ${user.full_name}`;
  $("chat-avatar").replaceChildren(avatar({ id: botId, first_name: bot ? bot.first_name : "B" }));
  $("reply-keyboard").hidden = true;
  $("keyboard-toggle").hidden = true;
  $("messages").replaceChildren();
  const session = new ChatSession(user, botId);
  page.session = session;
  renderUsers();
  session.showStatus();
  try {
    await session.open();
    $("composer-input").focus();
  } catch (error) {
    // Picking the person again retries.
    session.close();
    if (page.session === session) page.session = null;
    fail(error);
  }
}

// -- composer --------------------------------------------------------------------------------------

function closeMenu() {
  $("command-menu").hidden = true;
}

async function commands() {
  const session = page.session;
  if (!session) return { commands: [], menu_button: {} };
  if (!page.commands) page.commands = await call("GET", session.path("/commands"));
  return page.commands;
}

async function showMenu(filter) {
  // The bot may change its commands at any time: ask again whenever the menu opens afresh.
  if (filter == null || filter === "/") page.commands = null;
  let found;
  try {
    found = await commands();
  } catch (error) {
    fail(error);
    return;
  }
  // Typing went on (or the message was sent) while the commands were fetched.
  if (filter != null && $("composer-input").value !== filter) return;
  const menu = $("command-menu");
  const items = found.commands.filter((c) => filter == null || `/${c.command}`.startsWith(filter));
  const entries = items.map((c) =>
    h(
      "button",
      {
        type: "button",
        class: "command-item",
        dataset: { testid: "command-item", command: c.command },
        onclick: () => {
          closeMenu();
          $("composer-input").value = "";
          page.session.send(`/${c.command}`);
        },
      },
      h("span", { class: "command-name" }, `/${c.command}`),
      h("span", { class: "command-description" }, c.description),
    ),
  );
  const web = found.menu_button && found.menu_button.type === "web_app" && safeUrl(found.menu_button.web_app.url);
  if (web && filter == null) {
    entries.unshift(h("a", { class: "command-item", href: web, target: "_blank", rel: "noopener" }, found.menu_button.text || "Open"));
  }
  if (!entries.length) {
    if (filter != null) {
      closeMenu();
      return;
    }
    entries.push(h("div", { class: "command-empty", dataset: { testid: "command-empty" } }, "The bot has no commands here."));
  }
  menu.replaceChildren(...entries);
  menu.hidden = false;
}

async function submitText(event) {
  event.preventDefault();
  const input = $("composer-input");
  const text = input.value;
  if (!page.session || !text.trim()) return;
  input.value = "";
  grow();
  closeMenu();
  await page.session.send(text);
}

async function attach(kind, input) {
  const file = input.files && input.files[0];
  input.value = "";
  if (!file || !page.session) return;
  const caption = $("composer-input").value.trim();
  $("composer-input").value = "";
  grow();
  try {
    await page.session.sendFile(kind, file, caption);
  } catch (error) {
    fail(error);
  }
}

function grow() {
  const input = $("composer-input");
  input.style.height = "auto";
  const borders = input.offsetHeight - input.clientHeight;
  input.style.height = `${Math.min(input.scrollHeight + borders, 160)}px`;
}

function onInput() {
  grow();
  const value = $("composer-input").value;
  if (/^\/\S*$/.test(value)) showMenu(value);
  else if (!$("command-menu").hidden) closeMenu();
}

// -- start -----------------------------------------------------------------------------------------

function wire() {
  $("new-user-form").addEventListener("submit", createUser);
  $("bot-select").addEventListener("change", (event) => go(route().userId, Number(event.target.value)));
  $("back-button").addEventListener("click", () => go(null, route().botId));
  $("composer").addEventListener("submit", submitText);
  const input = $("composer-input");
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) submitText(event);
    if (event.key === "Escape") closeMenu();
  });
  input.addEventListener("input", onInput);
  $("menu-button").addEventListener("click", (event) => {
    event.stopPropagation();
    if ($("command-menu").hidden) showMenu(null);
    else closeMenu();
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-testid=command-menu]")) closeMenu();
  });
  $("attach-document").addEventListener("change", (event) => attach("documents", event.target));
  $("attach-photo").addEventListener("change", (event) => attach("photos", event.target));
  $("keyboard-toggle").addEventListener("click", () => {
    const session = page.session;
    if (!session) return;
    session.keyboardHidden = !session.keyboardHidden;
    session.showKeyboard();
  });
  $("messages").addEventListener("scroll", () => {
    const box = $("messages");
    if (page.session) page.session.stick = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  });
  window.addEventListener("hashchange", follow);
}

async function main() {
  wire();
  await Promise.all([loadPeople(), loadNotes()]);
  renderBots();
  renderUsers();
  await follow();
  setInterval(loadPeople, PEOPLE_EVERY);
  setInterval(loadNotes, NOTES_EVERY);
  document.body.dataset.ready = "true";
}

main();
