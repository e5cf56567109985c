"""`python -m alertcast`. Guarded: multiprocessing's spawn and forkserver import the main
module again in each child, which must not start the command line there."""

from .cli import main

if __name__ == "__main__":
    main()
