"""``python -m dlint`` runs the same command line as the ``dlint`` script."""

from dlint.cli import main

main()
