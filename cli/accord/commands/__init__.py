"""One module per console command; each exposes `command` (or a Typer `app` for groups)."""
