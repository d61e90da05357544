"""The source check that runs before a submission is sent to the sandbox.

It is one of two rules: the harness's dispatch guard refuses the forbidden operators where they
run, whatever route reached them; this check refuses the routes themselves, with the line. It
allows imports from a short list of modules only, and refuses private attributes, attribute
assignment on modules, the builtins that turn strings into code or attributes (`getattr`,
`__import__`, `eval`, ...), and every attribute chain that reaches the interpreter through an
imported module: a standard-library module re-exported by torch or any other module
(`torch.sys`, `torch.os`, `torch.builtins.getattr`, `F.torch.inspect`, `typing.sys`), the
dispatcher's own entry points (`torch.ops`, `torch.library`), and the compilers and tracers
that run code from strings (`torch.jit`, `torch.fx`, `typing.get_type_hints` on a string
annotation). String annotations are checked as the expressions they are.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Sequence
from dataclasses import dataclass

ALLOWED_MODULES = frozenset(
    {"torch", "math", "typing", "collections", "itertools", "functools", "dataclasses"}
    | {"__future__", "operator", "random", "numpy"}
)
# Standard-library modules are refused (they reach files, processes and the interpreter); any
# other import the grader lacks is a plain error, not cheating ("pandas isn't installed").
STDLIB_MODULES = frozenset(sys.stdlib_module_names) | {"builtins", "__main__"}
D2L_HINT = "the grader has no d2l package: copy the helper you need into your code"
BANNED_BUILTINS = frozenset(
    {"__import__", "eval", "exec", "compile", "open", "getattr", "setattr", "delattr"}
    | {"globals", "locals", "vars", "breakpoint", "input", "exit", "quit", "memoryview"}
    | {"__builtins__", "help"}
)
# Ways to reach an attribute by its name as a string, or to write files from inside the job.
# numpy's readers and writers of files; functools' wrappers copy one object's `__dict__` into
# another's (`functools.update_wrapper(torch, fake)` would patch torch).
BANNED_ATTRIBUTES = frozenset({"attrgetter", "methodcaller", "save", "load", "from_file"}) | {
    "fromfile",
    "tofile",
    "dump",
    "npyio",
    "tempdir",
    "temppath",
    "loadtxt",
    "savetxt",
    "genfromtxt",
    "fromregex",
    "savez",
    "savez_compressed",
    "memmap",
    "open_memmap",
    "DataSource",
    "ctypeslib",
    "f2py",
    "update_wrapper",
    "wraps",
}
# Names of torch functions, tensor and container methods that are also standard-library module
# names (`x.select`, `state.copy()`), and `collections.abc`; the modules give nothing away.
_TORCH_NAMES_LIKE_MODULES = frozenset({"chunk", "select", "trace", "copy", "abc"})
# Attribute names that lead out of tensor code: a standard-library module (whatever module
# re-exports it), the dispatcher's entry points, compilers and tracers, multiprocessing aliases.
MODULE_ROUTES = STDLIB_MODULES - ALLOWED_MODULES - _TORCH_NAMES_LIKE_MODULES
ROUTE_ATTRIBUTES = MODULE_ROUTES | {
    "ops",
    "library",
    "jit",
    "fx",
    "compile",
    "compiler",
    "export",
    "overrides",
    "package",
    "hub",
    "cpp_extension",
    "CompilationUnit",
    "ForwardRef",
    "get_type_hints",
    "mp",
    "reduction",
    "reducer",
    "python_multiprocessing",
    "copymodule",
}
MAX_SOURCE_CHARS = 64_000
ALLOWED_PRIVATE = frozenset({"__init__"})
ALLOWED_DUNDER_NAMES = frozenset({"__name__"})
ASSIGNABLE_ATTRIBUTES = frozenset({"requires_grad", "grad", "data"})


@dataclass(frozen=True)
class Violation:
    line: int
    message: str
    # "forbidden" defeats the grade (never run); "missing" is a module or name the grader
    # lacks (status `error`, the member's own mistake to fix).
    kind: str = "forbidden"

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class SourceError(ValueError):
    """The submission does not parse (or is too long or too deeply nested to)."""


def check_source(source: str, forbidden: Sequence[str] = ()) -> list[Violation]:
    """Violations in `source`, in line order; `forbidden` are dotted torch names.

    Raises SourceError with the line and the parser's message when the code does not parse.
    """
    # This parses untrusted text outside the sandbox: bound its size and nesting.
    if len(source) > MAX_SOURCE_CHARS:
        raise SourceError(f"the submission is longer than {MAX_SOURCE_CHARS} characters")
    visitor = _Visitor(forbidden)
    try:
        source.encode("utf-8")  # lone surrogates cannot be written into the job
        tree = ast.parse(source)
        visitor.bound = _bound_names(tree)
        visitor.visit(tree)
    except SyntaxError as exc:
        raise SourceError(f"line {exc.lineno}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # UnicodeError is a ValueError
        raise SourceError(f"cannot parse the submission ({type(exc).__name__})") from None
    return sorted(dict.fromkeys(visitor.violations), key=lambda v: v.line)


def missing_functions(source: str, functions: Sequence[str]) -> str | None:
    """Why the code can't be graded at all because it doesn't define what the exercise calls
    (`def adam` for `adam_step`), or None. Parses `source`, which `check_source` has passed."""
    defined: list[str] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined += [t.id for t in targets if isinstance(t, ast.Name)]
    missing = [f for f in functions if f not in defined]
    if not missing:
        return None
    needs = " and ".join(f"`{f}(…)`" for f in missing)
    own = [d for d in dict.fromkeys(defined) if not d.startswith("_")]
    has = ", ".join(f"`{d}`" for d in own[:5]) if own else "no function"
    return f"this exercise needs {needs}; your code defines {has}"


class _Visitor(ast.NodeVisitor):
    def __init__(self, forbidden: Sequence[str]) -> None:
        self.forbidden = tuple(forbidden)
        # Last components: `x.softmax(...)`, `F.softmax`, `torch.special.softmax` all end so.
        self.forbidden_by_attr: dict[str, list[str]] = {}
        for name in forbidden:
            self.forbidden_by_attr.setdefault(name.rsplit(".", 1)[1], []).append(name)
        self.module_aliases: set[str] = set()
        self.bound: set[str] = set()
        self.violations: list[Violation] = []

    def _add(self, node: ast.AST, message: str, kind: str = "forbidden") -> None:
        self.violations.append(Violation(getattr(node, "lineno", 0), message, kind))

    def _check_module(self, node: ast.AST, module: str) -> None:
        top = module.split(".")[0]
        if top == "d2l":
            self._add(node, f"import of {module!r}: {D2L_HINT}", "missing")
        elif top and top not in ALLOWED_MODULES and top not in STDLIB_MODULES:
            self._add(node, f"{top} isn't installed in the grader", "missing")
        elif top not in ALLOWED_MODULES:
            allowed = ", ".join(sorted(ALLOWED_MODULES - {"__future__"}))
            self._add(node, f"import of {module!r} is not allowed (allowed: {allowed})")
        else:
            for part in module.split(".")[1:]:
                if part.startswith("_") or part in ROUTE_ATTRIBUTES or part in BANNED_ATTRIBUTES:
                    self._add(node, f"import of {module!r} is not allowed")
                    break
        for name in self.forbidden:
            if module == name or module.startswith(name + "."):
                self._add(node, f"{name} is forbidden in this exercise")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(node, alias.name)
            self.module_aliases.add(alias.asname or alias.name.split(".")[0])
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        self._check_module(node, module)
        for alias in node.names:
            if alias.name == "*":
                self._add(node, f"'from {module} import *' is not allowed; import names")
                continue
            self._check_name(node, alias.name, f"{module}.{alias.name}")
            self._check_module(node, f"{module}.{alias.name}")
            self.module_aliases.add(alias.asname or alias.name)
        self.generic_visit(node)

    def _check_name(self, node: ast.AST, name: str, written: str) -> None:
        if name.startswith("_") and name not in ALLOWED_PRIVATE:
            self._add(node, f"private name {written} is not allowed")
        if name in BANNED_ATTRIBUTES:
            self._add(node, f"{written} is not allowed in submissions")
        elif name in ROUTE_ATTRIBUTES:
            self._add(
                node, f"{written} is not allowed in submissions ({name!r} leads out of tensor code)"
            )
        if name in self.forbidden_by_attr:
            apis = ", ".join(self.forbidden_by_attr[name][:3])
            self._add(node, f"{written} is forbidden in this exercise (forbidden: {apis})")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check_name(node, node.attr, _dotted(node))
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "d2l" and "d2l" not in self.bound:
            self._add(node, f"`d2l` is not defined: {D2L_HINT}", "missing")
        if node.id in BANNED_BUILTINS or (
            node.id.startswith("__") and node.id not in ALLOWED_DUNDER_NAMES
        ):
            self._add(node, f"{node.id} is not allowed in submissions")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        # A string naming a forbidden API only serves to reach it indirectly.
        if isinstance(node.value, str) and (
            node.value in self.forbidden_by_attr or node.value in self.forbidden
        ):
            self._add(node, f"the string {node.value!r} names a forbidden API")

    # Annotations written as strings are code too: `typing.get_type_hints` evaluates them.
    def _check_annotation(self, annotation: ast.expr | None) -> None:
        for node in ast.walk(annotation) if annotation is not None else ():
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                try:
                    tree = ast.parse(node.value.strip(), mode="eval")
                except SyntaxError:
                    self._add(node, "a string annotation must be a type expression")
                    continue
                ast.increment_lineno(tree, node.lineno - 1)
                self.visit(tree)

    def visit_arg(self, node: ast.arg) -> None:
        self._check_annotation(node.annotation)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._check_annotation(node.returns)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def _check_target(self, target: ast.expr) -> None:
        # Monkeypatching (torch.allclose = ...) through any alias: only a tensor's own
        # autograd fields, or a module's `self.x`, may be assigned.
        if isinstance(target, ast.Attribute):
            root = _root(target)
            if root in self.module_aliases or (
                root != "self" and target.attr not in ASSIGNABLE_ATTRIBUTES
            ):
                self._add(target, f"assigning to {_dotted(target)} is not allowed")
        for child in ast.iter_child_nodes(target):
            if isinstance(child, ast.expr):
                self._check_target(child)

    def visit_Assign(self, node: ast.Assign | ast.Delete) -> None:
        for target in node.targets:
            self._check_target(target)
        self.generic_visit(node)

    visit_Delete = visit_Assign

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target)
        self._check_annotation(node.annotation)
        self.generic_visit(node)


def _bound_names(tree: ast.AST) -> set[str]:
    """Names the code binds itself (a member may call their own helper class `d2l`)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.append(node.id if isinstance(node, ast.Name) else "(...)")
    return ".".join(reversed(parts))
