"""The ``asocia`` command line: thin wrappers over the library."""
