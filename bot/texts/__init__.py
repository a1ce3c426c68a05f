"""Message catalogs (gettext ``.po``) for every language; ``python -m bot.texts`` refreshes them."""
