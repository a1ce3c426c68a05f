"""`python -m bot.texts` refreshes the catalogs from the source."""

from bot.texts.catalog import update

update()
