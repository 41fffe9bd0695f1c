"""The API reference: what ``docs/reference/`` documents is each public module's ``__all__``,
nothing public is left out of ``__all__``, every public function, method and class has a
Google-style docstring naming its parameters and its result, and the docstrings' examples run."""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pytest

import rt_fast

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"
MODULES = [
    "rt_fast",
    "rt_fast.ga",
    "rt_fast.beta",
    "rt_fast.translation",
    "rt_fast.live",
    "rt_fast.ws",
    "rt_fast.server",
    "rt_fast.relay",
    "rt_fast.dask",
    "rt_fast.pytest_plugin",
]
GENERATIONS = {"rt_fast.ga", "rt_fast.beta", "rt_fast.translation", "rt_fast.live"}
# Submodules rt_fast imports only on demand (each needs an extra): not in rt_fast.__all__.
ON_DEMAND = {"ws", "server", "relay", "dask", "pytest_plugin"}


def _stanzas() -> Iterator[tuple[str, list[str] | None]]:
    """Each ``::: identifier`` of the reference, with its ``members:`` list (None: not given,
    so every name of the module's ``__all__``; ``[]`` for ``members: false``)."""
    for page in sorted(REFERENCE.glob("*.md")):
        lines = page.read_text().splitlines()
        for at, line in enumerate(lines):
            if not line.startswith("::: "):
                continue
            options = []
            for option in lines[at + 1 :]:
                if not option.startswith("    "):
                    break
                options.append(option.strip())
            yield line[4:].strip(), _members(options)


def _members(options: list[str]) -> list[str] | None:
    """The names of a stanza's ``members:`` option: a flow list, a block list, or false."""
    for at, option in enumerate(options):
        if option.startswith("members:"):
            value = option.removeprefix("members:").strip()
            if value == "false":
                return []
            if value.startswith("["):
                return [name.strip() for name in value.strip("[]").split(",") if name.strip()]
            return [item[2:].strip() for item in options[at + 1 :] if item.startswith("- ")]
    return None


def _documented() -> dict[str, set[str]]:
    """Public module -> the names the reference documents in it."""
    found: dict[str, set[str]] = {name: set() for name in MODULES}
    for identifier, members in _stanzas():
        if identifier in found:  # a module: its members, and the module itself in its parent
            module = importlib.import_module(identifier)
            found[identifier] |= set(module.__all__ if members is None else members)
            parent, _, name = identifier.rpartition(".")
            if parent in found and name not in ON_DEMAND:
                found[parent].add(name)
        else:  # an object: ``module.name``
            module, _, name = identifier.rpartition(".")
            assert module in found, f"{identifier} is not in a public module"
            found[module].add(name)
    return found


def test_reference_documents_every_public_module() -> None:
    """Every public module has a page of its own in docs/reference/."""
    documented = {identifier for identifier, _ in _stanzas()}
    assert set(MODULES) <= documented


@pytest.mark.parametrize("name", MODULES)
def test_all_is_what_the_reference_documents(name: str) -> None:
    """A module's __all__ is exactly the names the reference documents in it, each exists."""
    module = importlib.import_module(name)
    assert set(module.__all__) == _documented()[name]
    assert len(module.__all__) == len(set(module.__all__))
    assert [n for n in module.__all__ if not hasattr(module, n)] == []


def _defined(path: Path) -> set[str]:
    """The names a module's file binds at its top level (``if`` blocks included)."""
    names: set[str] = set()
    body = list(ast.parse(path.read_text()).body)
    while body:
        node = body.pop()
        if isinstance(node, ast.If):
            body += node.body + node.orelse
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
    return names


def _public_files() -> Iterator[ModuleType]:
    """Every public module, and the submodules of the generation packages."""
    for name in MODULES:
        module = importlib.import_module(name)
        yield module
        if name in GENERATIONS:
            for path in sorted(Path(module.__file__ or "").parent.glob("[!_]*.py")):
                yield importlib.import_module(f"{name}.{path.stem}")


@pytest.mark.parametrize("module", list(_public_files()), ids=lambda m: m.__name__)
def test_nothing_public_is_left_out_of_all(module: ModuleType) -> None:
    """Every name a public module defines without an underscore is in its __all__; what it
    only imports (from its private siblings or other packages) is public only if listed."""
    public = {name for name in _defined(Path(module.__file__ or "")) if not name.startswith("_")}
    assert public - {"__all__"} <= set(module.__all__)


# -- docstrings -------------------------------------------------------------------------------

SECTION = re.compile(r"^([A-Z][a-z]+):$")
ITEM = re.compile(r"^    (\*{0,2}[A-Za-z_][\w.]*)(?: \([^)]*\))?:(?: |$)")
SECTIONS = {"Args", "Returns", "Yields", "Raises", "Attributes", "Examples", "Note", "Warning"}


def _sections(doc: str) -> dict[str, list[str]]:
    """A Google-style docstring's sections -> the names its items start with (the summary is
    ``""``'s single line). A section heading at the left margin, its items indented by four."""
    lines = inspect.cleandoc(doc).splitlines()
    assert lines and lines[0].strip(), "no summary line"
    assert len(lines) == 1 or not lines[1].strip(), f"the summary is not one line: {lines[:2]}"
    sections: dict[str, list[str]] = {"": [lines[0]]}
    current: list[str] | None = None
    for line in lines[1:]:
        heading = SECTION.match(line)
        if heading:
            assert heading.group(1) in SECTIONS, f"unknown section {line!r}"
            assert heading.group(1) not in sections, f"{line!r} twice"
            current = sections[heading.group(1)] = []
        elif current is not None and ITEM.match(line):
            current.append(ITEM.match(line).group(1).lstrip("*"))  # type: ignore[union-attr]
    return sections


def _parameters(function: Callable[..., Any], method: bool) -> list[str]:
    """A function's parameters as its docstring names them (a method's without ``self`` or
    ``cls``)."""
    names = list(inspect.signature(function).parameters)
    return names[1:] if method else names


def _returns_value(function: Callable[..., Any]) -> bool:
    annotation = inspect.signature(function).return_annotation
    return annotation not in (None, "None", inspect.Signature.empty)


def _yields(function: Callable[..., Any]) -> bool:
    """A generator, or a context manager made of one (``@contextlib.contextmanager``)."""
    function = inspect.unwrap(function)
    return inspect.isgeneratorfunction(function) or inspect.isasyncgenfunction(function)


def _check_function(function: Callable[..., Any], where: str, method: bool = False) -> None:
    assert function.__doc__, f"{where}: no docstring"
    sections = _sections(function.__doc__)
    assert sections.get("Args", []) == _parameters(function, method), f"{where}: Args"
    result = "Yields" if _yields(function) else "Returns"
    other = "Returns" if result == "Yields" else "Yields"
    assert (result in sections) == _returns_value(function), f"{where}: {result} section"
    assert other not in sections, f"{where}: {other} section"


def _own_init(cls: type) -> bool:
    """Whether rt_fast defines the class's constructor (or its fields do): a constructor
    inherited from another package (websockets') is that package's to document."""
    for base in cls.__mro__:
        if base in (object, tuple, Exception, BaseException, msgspec.Struct):
            return True
        if "__init__" in vars(base) or "__new__" in vars(base):
            return base.__module__.startswith("rt_fast")
    return True  # pragma: no cover - every class ends at object


def _check_class(cls: type, where: str) -> None:
    assert cls.__doc__, f"{where}: no docstring"
    sections = _sections(cls.__doc__)
    if _own_init(cls):
        parameters = list(inspect.signature(cls).parameters)
        if "Args" in sections:
            assert sections["Args"] == parameters, f"{where}: Args"
        else:
            missing = set(parameters) - set(sections.get("Attributes", []))
            assert not missing, f"{where}: parameters documented nowhere: {missing}"
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            assert member.__doc__, f"{where}.{name}: no docstring"
        elif isinstance(member, (classmethod, staticmethod)):
            _check_function(member.__func__, f"{where}.{name}", isinstance(member, classmethod))
        elif inspect.isfunction(member):
            _check_function(member, f"{where}.{name}", method=True)


def _api() -> Iterator[tuple[str, Any]]:
    """Every public function and class outside the generation packages that rt_fast defines
    (``msgspec.UNSET`` and ``UnsetType`` are msgspec's, re-exported)."""
    for name in MODULES:
        if name in GENERATIONS:
            continue
        module = importlib.import_module(name)
        for member in module.__all__:
            value = getattr(module, member)
            value = getattr(value, "__wrapped__", value)  # a pytest fixture's function
            ours = getattr(value, "__module__", "").startswith("rt_fast")
            if ours and (inspect.isclass(value) or inspect.isfunction(value)):
                yield f"{name}.{member}", value


@pytest.mark.parametrize(
    ("where", "value"), list(_api()), ids=lambda x: x if isinstance(x, str) else ""
)
def test_docstring_names_parameters_and_result(where: str, value: Any) -> None:
    """A public function's docstring has a one-line summary, Args naming exactly its
    parameters, and Returns (Yields) where it gives a value; a class's names its constructor's
    parameters (Args, or Attributes for a record of fields), and so do its methods'."""
    if inspect.isclass(value):
        _check_class(value, where)
    else:
        _check_function(value, where)


def test_generation_models_have_docstrings() -> None:
    """Every model of every generation says in a line what event or object it is."""
    for name in GENERATIONS:
        module = importlib.import_module(name)
        for member in module.__all__:
            value = getattr(module, member)
            if inspect.isclass(value):
                assert value.__doc__ and value.__doc__.strip(), f"{name}.{member}"


def test_the_parser_reads_google_style() -> None:
    """The section parser finds Args items, typed or not, and refuses a two-line summary."""
    doc = """Do it.

    Args:
        first: The first,
            on two lines.
        second (int): The second.
        **rest: The others.

    Returns:
        Nothing much.
    """
    assert _sections(doc)["Args"] == ["first", "second", "rest"]
    assert "Returns" in _sections(doc)
    with pytest.raises(AssertionError, match="summary"):
        _sections("Do it\n    over two lines.\n")


# -- examples -----------------------------------------------------------------------------------

DOCTESTED = ["_audio", "_codec", "_encode", "_errors", "_jsonl", "_metrics", "_models",
             "_script", "relay", "server", "ws"]  # fmt: skip


@pytest.mark.parametrize("name", DOCTESTED)
def test_docstring_examples_run(name: str) -> None:
    """The ``>>>`` examples of the docstrings give what they show."""
    module = importlib.import_module(f"rt_fast.{name}")
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = finder.find(module, globs={"rt_fast": rt_fast, **vars(module)})
    assert tests, f"rt_fast.{name} has no examples"
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
