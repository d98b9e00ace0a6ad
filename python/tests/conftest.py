"""pytest setup: the package from this source tree (python/), the library named by
$TRADEQ_LIB (ctest sets it to the build's libtradeq.so), the CLI by $TRADEQ_CLI."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
