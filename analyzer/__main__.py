"""``python -m analyzer`` runs the command-line interface."""

from analyzer.cli import main

main()
