"""Report formats for CI and for reading in a browser: junit, github, html.

Importing this package registers them in accord.render.FORMATS; accord.render imports it only
when one of them is asked for.
"""

from accord.formats import github, html, junit  # noqa: F401
