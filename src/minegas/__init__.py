"""minegas — coalbed methane (煤层气) and coal mine methane (煤矿瓦斯) platform.

MRV (methane accounts from mine monitoring data), utilization engineering, project economics and
regional planning. See ``docs/architecture.md`` for the layout and ``docs/conventions.md`` for the rules.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("minegas")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
