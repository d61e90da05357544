"""Code that runs inside the bubblewrap sandbox.

These modules are bind-mounted read-only into the sandbox as the package `_inside`, so they
import nothing from `bot` (the project directory is not visible there) and only each other,
relatively.
"""
