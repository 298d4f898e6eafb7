"""``python -m colmeia``: the same CLI as the ``colmeia`` entry point."""

from colmeia.cli import main

main()
