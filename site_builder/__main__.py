"""`python -m site_builder` runs the `policy` command."""

from site_builder.cli import main

main()
