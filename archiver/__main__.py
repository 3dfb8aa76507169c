"""``python -m archiver`` runs the command-line interface."""

from archiver.cli import main

if __name__ == "__main__":
    main()
