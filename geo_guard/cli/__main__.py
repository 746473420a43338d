"""`python -m geo_guard.cli`: the same as the `geo-guard` command."""

from geo_guard.cli import main

# Guarded: the dask engine starts worker processes that import the main module again.
if __name__ == "__main__":
    main()
