"""Names of a package imported on first use (PEP 562), for a fast start-up.

`sparserect --help` imports the command-line modules of every sub-package;
their packages' names load their modules (and Keras, TensorFlow) only when
they are first used.
"""

import importlib
import sys


def lazy_exports(package, exports):
    """Returns the `__getattr__` and `__dir__` of a package with lazy names.

    Args:
        package: The package's `__name__`.
        exports: Maps each public name to the module that defines it, relative
            to `package`; a name mapped to itself is that sub-module.
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{exports[name]}")
        value = module if exports[name] == name else getattr(module, name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
