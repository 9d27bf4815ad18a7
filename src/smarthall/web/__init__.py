"""Server-rendered pages (Jinja2 + htmx 2, vendored): the base layout, login, role homes, the catalog browser."""
