"The shape of the house (drawn in nbs/architecture.ipynb, the Architecture page): every import of `mousterian/` (at any depth, inside functions too) runs down, with no circle, and no module outgrows a room."
import ast, functools
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / 'mousterian'
MAX_LINES = 500  # about fastai's learner.py; a module past it becomes a wing (a sub-package)

@functools.cache
def modules() -> dict:
    "Module name -> file, for every module of the package (nbdev's _modidx.py is an index, not code)."
    out = {}
    for f in sorted(PKG.rglob('*.py')):
        if f.name == '_modidx.py': continue
        parts = f.relative_to(ROOT).with_suffix('').parts
        out['.'.join(parts[:-1] if parts[-1] == '__init__' else parts)] = f
    return out

def imports(name:str, f:Path, known:set) -> set:
    "The package's modules that module `name` imports, anywhere in its code (top level, functions, methods)."
    pkg = name if f.name == '__init__.py' else name.rpartition('.')[0]
    out = set()
    for n in ast.walk(ast.parse(f.read_text())):
        if isinstance(n, ast.Import): targets = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            base = n.module or ''
            if n.level:
                up = pkg.split('.')[:len(pkg.split('.')) - (n.level - 1)]
                base = '.'.join(up + ([base] if base else []))
            targets = [base] + [f'{base}.{a.name}' for a in n.names]  # `from pkg import module` imports the module
        else: continue
        for t in targets:
            while t and t not in known: t = t.rpartition('.')[0]  # a name inside a module: the module
            if t and t != name: out.add(t)
    return out

def graph() -> dict:
    ms = modules()
    return {m: imports(m, f, set(ms)) for m, f in ms.items()}

def cycles(g:dict) -> list:
    "Every circle of imports, as a list of modules (Tarjan's strongly connected components with more than one module, or a module importing itself)."
    index, low, stack, on, out, i = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
        for w in g.get(v, ()):
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(sorted(comp))
    for v in g:
        if v not in index: visit(v)
    return out

def test_cycle_finder_finds_a_circle():
    "The check itself can fail: a circle drawn by hand is found, a line of imports is not."
    assert cycles({'a': {'b'}, 'b': {'c'}, 'c': {'a'}, 'd': {'a'}}) == [['a', 'b', 'c']]
    assert cycles({'a': {'b'}, 'b': {'c'}, 'c': set()}) == []

def test_relative_imports_are_read():
    g = graph()
    assert 'mousterian.equiv.results' in g['mousterian.equiv.law'] and 'mousterian.core' in g['mousterian.equiv.law']
    assert 'mousterian.gen.ddpm' in g['mousterian.share'] and 'mousterian.equiv' in g['mousterian.study.steps']

def test_no_circle_of_imports():
    assert cycles(graph()) == []

def test_equiv_needs_only_core():
    "The maths of the answer stands on core alone (nbs/architecture.ipynb)."
    g = graph()
    outside = {m: sorted(t for t in ts if not t.startswith(('mousterian.equiv', 'mousterian.core'))) for m, ts in g.items() if m.startswith('mousterian.equiv')}
    assert not any(outside.values()), outside

@pytest.mark.parametrize('name', sorted(modules()))
def test_module_fits_a_room(name):
    n = len(modules()[name].read_text().splitlines())
    assert n <= MAX_LINES, f"{name} has {n} lines (at most {MAX_LINES}): open it into a wing of notebooks and modules"

def test_training_layer_below_learners_and_generators():
    "The fit loop, loader and callbacks are one room (`train`) that learners and generators both stand on: `gen` does not sit above `learn`."
    g = graph()
    assert not [(m, t) for m, ts in g.items() if m.startswith('mousterian.gen') for t in ts if t.startswith('mousterian.learn')]
    assert 'mousterian.train' in g['mousterian.gen.ddpm.training'] and 'mousterian.train' in g['mousterian.learn']
    assert not [t for t in g['mousterian.train'] if t.startswith(('mousterian.gen', 'mousterian.learn', 'mousterian.mix'))]

def notebook_of(f:Path) -> str:
    "The notebook a module is exported from (its header names it)."
    import re
    m = re.search(r'File to edit: \S*?nbs/(\S+?\.ipynb)', f.read_text())
    return m[1] if m else ''

def test_notebooks_numbered_in_dependency_order():
    "A module's notebook sorts after the notebooks of every module it imports, so reading them in order never meets a name before its room."
    ms, g = modules(), graph()
    late = [(m, t) for m, ts in g.items() for t in ts if notebook_of(ms[t]) and notebook_of(ms[m]) and notebook_of(ms[t]) > notebook_of(ms[m])
            and not ms[m].name == '__init__.py']  # a wing's __init__ gathers its rooms
    assert not late, late

def test_only_the_arms_ask_an_arms_kind():
    "What differs between kinds of arm is asked of the arm (`study.arms`), never by testing its kind elsewhere."
    import re
    kinds = '|'.join(('ddpm', 't2i', 'store', 'real', 'repeat', 'pretrain'))
    test = re.compile(rf"""kind'?\)?\]?\s*(==|!=|in)\s*\(?\s*['"]({kinds})['"]""")
    files = [f for f in modules().values() if f.parent.name != 'arms']  # the wing mousterian/study/arms/ + [ROOT / 'nbs' / 'experiments' / 'study_report.ipynb']
    found = [(f.name, l.strip()[:80]) for f in files for l in f.read_text().splitlines() if test.search(l)]
    assert not found, found
    assert test.search("if spec.kind == 'ddpm':") and test.search("q.get('kind') == 'repeat'")  # the check can fail

def test_bench_is_a_package():
    "Benchmarks import their siblings as a package (python -m bench.speed.peak), never by patching sys.path."
    files = sorted((ROOT / 'bench').rglob('*.py'))
    assert files and not [f.name for f in files if 'sys.path' in f.read_text()]

def test_lines_a_reader_can_hold():
    "At most 5% of the library's lines are over 120 characters (a paragraph of a docstring is wrapped, a message is split into literals)."
    lines = [l for f in modules().values() for l in f.read_text().splitlines()]
    long = [l for l in lines if len(l) > 120]
    assert len(long) <= 0.05 * len(lines), f"{len(long)} of {len(lines)} lines are over 120 characters, e.g. {long[0][:130]!r}"
    assert max(map(len, lines)) < 400, max(lines, key=len)[:130]

def test_architecture_page_names_every_room():
    "The Architecture page (nbs/architecture.ipynb) says where each room stands: a room added without a word there fails."
    import json
    nb = json.loads((ROOT / 'nbs' / 'architecture.ipynb').read_text())
    text = ''.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')
    missing = [m for m in modules() if m != 'mousterian' and m.removeprefix('mousterian.') not in text]
    assert not missing, f"nbs/architecture.ipynb does not name {missing}: add them to its floors"
    assert 'Where a change goes' in text
