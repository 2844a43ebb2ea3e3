"""The `cytoimagenet` command: typer apps that parse options, call the packages below and print; the top of the
import order, so nothing imports it."""
