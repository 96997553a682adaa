"""Command-line interface (Typer + Rich). Thin: parse, call a service, render."""
