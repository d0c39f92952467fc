"""Command-line commands; each module exposes ``register(subparsers)``.

Used from a shell; the README's command-line section lists every command.
"""
