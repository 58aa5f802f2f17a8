"""Files in syntax newer than the running Python still contribute cross-file facts.

Models and coroutines defined in a file using PEP 695 generics or ``type`` aliases, PEP 701
f-strings, PEP 750 t-strings or PEP 758 ``except A, B:`` are found from the files that use them,
whatever Python runs the tool: such a file is rewritten into older syntax (``modern_syntax``)
before the fact collectors read it. These run on every supported interpreter.
"""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from backend_rules.analysis.modern_syntax import downgrade, parse_modern
from backend_rules.analysis.project_facts import collect_facts
from backend_rules.engine.config import Config
from backend_rules.engine.project_index import build_index
from backend_rules.engine.runner import check_paths

MODERN = {
    "pep695-def": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "pep695-class": "class Box[T: (int, str), *Ts, **P]:\n    pass\n",
    "pep695-type": "type Pair[T] = tuple[T, T]\n",
    "pep696-default": "def pick[T = int](value: T) -> T:\n    return value\n",
    "pep701-fstring": "LABEL = f\"{'-'.join(['a', 'b'])}\" f\"{f\"{1}\"}\"\n",
    "pep701-comment": "LABEL = f'''{\n    1  # one\n}'''\n",
    "pep750-tstring": "LABEL = t'{1}'\n",
    "pep758-except": "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
    "pep758-except-star": "try:\n    pass\nexcept* ValueError, TypeError:\n    pass\n",
}

MODELS = """
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=10)


class Order(models.Model):
    buyer = models.ForeignKey(Customer, on_delete=models.CASCADE)

    @property
    def siblings(self):
        return Order.objects.filter(buyer_id=self.buyer_id).count()
"""

JOBS = """
async def send_email(user):
    ...
"""

VIEWS = """
from shop.jobs import send_email
from shop.models import Order


def crowd():
    return [o.siblings for o in Order.objects.all()]


async def signup(user):
    send_email(user)
"""

# (code, line in views.py): both depend on facts from the modern file
EXPECTED = {("BR201", 6), ("BR302", 10)}


def _project(tmp_path, modern: str):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    pkg = tmp_path / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(modern + textwrap.dedent(MODELS))
    (pkg / "jobs.py").write_text(modern + textwrap.dedent(JOBS))
    (pkg / "views.py").write_text(textwrap.dedent(VIEWS).lstrip())
    return pkg


@pytest.mark.parametrize("form", sorted(MODERN))
def test_facts_from_a_modern_file_reach_the_files_using_them(tmp_path, form):
    pkg = _project(tmp_path, MODERN[form])
    report = check_paths([str(pkg / "views.py")], Config(select=("BR201", "BR302")), jobs=1, use_cache=False)
    assert {(f.code, f.line) for f in report.findings} == EXPECTED, report.findings
    index = build_index(str(tmp_path), use_cache=False)
    assert "shop.models" in index.facts("orm") and "shop.jobs" in index.facts("async_defs")


def test_without_those_facts_the_findings_are_not_made(tmp_path):
    """The control: the expected findings really come from the modern files' facts."""
    pkg = _project(tmp_path, "def broken(:\n    pass\n")  # no grammar reads these files
    report = check_paths([str(pkg / "views.py")], Config(select=("BR201", "BR302")), jobs=1, use_cache=False)
    assert not {(f.code, f.line) for f in report.findings} & EXPECTED


@pytest.mark.parametrize("form", sorted(MODERN))
def test_collect_facts_reads_every_form(form):
    facts = collect_facts(MODERN[form] + textwrap.dedent(JOBS), "shop.jobs")
    assert facts["async_defs"]["c"] == ["send_email"]


# ---------------------------------------------------------------------------------------------
# The rewrite itself
# ---------------------------------------------------------------------------------------------

REWRITES = [
    ("def f[T](x: T) -> T: return x\n", "def f(x: T) -> T: return x\n"),
    ("class A[T: int, *Ts, **P](B): pass\n", "class A(B): pass\n"),
    ("type X[T] = list[T]\n", "X = list[T]\n"),
    ("type X = int; y = 1\n", "X = int; y = 1\n"),
    ("try:\n  pass\nexcept A, B:\n  pass\n", "try:\n  pass\nexcept (A, B):\n  pass\n"),
    ("try:\n  pass\nexcept (A, B):\n  pass\n", "try:\n  pass\nexcept (A, B):\n  pass\n"),
    ("x = f'{a['b']}'\n", "x = '{}'.format((a['b']))\n"),
    ("x = f'{a:{b['c']}}' + f'{d}'\n", "x = '{:{}}'.format((a), (b['c'])) + f'{d}'\n"),
    ("x = rf'\\d{a['k']!r}'\n", "x = r'\\d{!r}'.format((a['k']))\n"),
    ("x = f'{'\\n'.join(a)}' 'tail'\n", "x = ('{}'.format(('\\n'.join(a))) + 'tail')\n"),
]


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
        return True
    except SyntaxError:
        return False


@pytest.mark.parametrize("modern, older", REWRITES)
def test_rewrites(modern, older):
    if "f'" in modern and _parses(modern):
        older = modern  # Python 3.12+ reads these f-strings: they are left as they are
    assert downgrade(modern) == older
    ast.parse(older)


STATEMENT_LINES = [
    "class A[\n  T,\n  U,\n]:\n  pass\nx = 1\n",
    "def g[\n  T = int\n](\n  a,  # c\n  b,\n): pass\ny = 2\n",
    "type X[\n  T\n] = list[T]; z = 3\nw = 4\n",
    "x = f'''{a # c\n}''' f'{x!r:>{w}}' f'{y=}'\ny = 1\n",
    "x = f'{\n a\n}'\ny = 1\n",
    "x = f'{f'{f'{deep}'}'}'\ntry:\n  pass\nexcept A, B:\n  if x:\n    pass\n",
    "x = t'{a}' f'{'b'}'\nclass C[T]:\n  def m[U](self): pass\n",
]


def _cst_statement_lines(source: str) -> list[int]:
    wrapper = MetadataWrapper(cst.parse_module(source))
    positions = wrapper.resolve(PositionProvider)
    lines = []
    for node, where in positions.items():
        if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            lines.append(where.start.line)
    return sorted(lines)


@pytest.mark.parametrize("modern", STATEMENT_LINES)
def test_every_statement_stays_on_its_line(modern):
    older = downgrade(modern)
    tree = ast.parse(older)
    assert older.count("\n") == modern.count("\n")
    assert sorted(n.lineno for n in ast.walk(tree) if isinstance(n, ast.stmt)) == _cst_statement_lines(modern)


def test_readable_code_is_left_alone():
    source = "x = f'{a}' 'b'\ndef f(x): return x\n"
    assert downgrade(source) == source


@pytest.mark.parametrize(
    "source",
    [
        "def broken(:\n",
        'print "hello"\n',
        "x = " + "(" * 300 + "1" + ")" * 300 + "\n",  # deeper than any Python's tokenizer
    ],
)
def test_no_grammar_reads_it(source):
    assert downgrade(source) is None
    assert parse_modern(source) is None
    assert collect_facts("async def f(): pass\n" + source, "m") == {}


def test_long_code_neither_overflows_nor_raises():
    """libcst recurses on the C stack and in Python: the rewrite runs on a large stack."""
    source = "x = " + " and ".join(["a"] * 4000) + "\ntry:\n  pass\nexcept A, B:\n  pass\n"
    tree = parse_modern(source)
    assert tree is not None and isinstance(tree.body[-1], ast.Try)


def test_an_already_parsed_module_gives_the_same_rewrite():
    from backend_rules.analysis.modern_syntax import downgrade_module

    for modern, _older in REWRITES:
        assert downgrade_module(cst.parse_module(modern)) == downgrade(modern)
