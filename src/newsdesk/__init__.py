"""newsdesk: a self-hosted news desk.

One article travels one road; see :mod:`newsdesk.pipeline` for the stages.
"""

__version__ = "0.1.0"
