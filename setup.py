"""Build the native kernels.

Convention: every ``_name.c`` file under ``src/brightline`` is a CPython extension
module importable at that path (``src/brightline/core/index/_mih.c`` becomes
``brightline.core.index._mih``). The kernels use only the C API and the buffer
protocol, so they need no headers beyond Python's own.
"""

from pathlib import Path

from setuptools import Extension, setup

ROOT = Path(__file__).parent
SRC = ROOT / "src"


def native_extensions() -> list[Extension]:
    exts = []
    for source in sorted(SRC.glob("brightline/**/_*.c")):
        module = ".".join(source.relative_to(SRC).with_suffix("").parts)
        exts.append(
            Extension(
                module,
                sources=[str(source.relative_to(ROOT))],
                extra_compile_args=["-O3", "-std=c11", "-Wall", "-Wno-unused-function"],
            )
        )
    return exts


setup(ext_modules=native_extensions())
