"""`python -m geo_guard.cli`: the same as the `geo-guard` command."""

from geo_guard.cli import main

main()
