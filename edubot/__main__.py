"""`python -m edubot` is the `edubot` command."""

from edubot.cli import main

main()
