"""`python -m alertcast.cli`, guarded as `alertcast/__main__.py` is."""

from . import main

if __name__ == "__main__":
    main()
