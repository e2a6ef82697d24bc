"""The auditor version, in a leaf module every layer may import.

:mod:`auditor` re-exports it as ``auditor.__version__``; code inside the
package imports it from here so that nothing below the interfaces imports the
package face (whose lazy names reach every layer).
"""

__version__ = "0.1.0"
