"""asocia: an observatory for cooperatives.

The Python library is the product; the ``asocia`` command line and the web application are thin
layers over it.
"""

__version__ = "0.1.0"
