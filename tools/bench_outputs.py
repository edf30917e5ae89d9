"""Store the outputs of the cells that show measurements (`bench_result(...)`) in the library notebooks, so the docs site
(Quarto renders the notebooks without executing them) shows the measured numbers: `python tools/bench_outputs.py`.
Each notebook's import cells and those cells run in a fresh kernel; every other cell keeps no output. Run it after a bench
writes new results to bench/results/. The notebooks in FULL (the paper's tables refitted: seconds to run, and their tables and
figures are the page) are executed whole and keep every output."""
import os, re, subprocess, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
FULL = [NBS / 'paper' / 'equivalence_paper.ipynb']

def is_bench_cell(c):
    s = ''.join(c['source'])
    return c['cell_type'] == 'code' and 'bench_result(' in s and '#| export' not in s and not s.lstrip().startswith('test_')

def is_import_cell(c):
    s = ''.join(c['source'])
    code = [l for l in s.splitlines() if l.strip() and not l.startswith('#')]
    return c['cell_type'] == 'code' and code and all(re.match(r'(from \S+ )?import ', l) for l in code) and 'nbdev_export' not in s

def refresh(path:Path) -> int:
    nb = nbformat.read(path, as_version=4)
    targets = [c for c in nb.cells if is_bench_cell(c)]
    if not targets: return 0
    m = next((m for c in nb.cells if (m := re.search(r'#\| default_exp (\S+)', c.source))), None)
    head = [c.source for c in nb.cells if is_import_cell(c)] + ([f'from mousterian.{m[1]} import *'] if m else [])
    run = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in head + ['from IPython.display import display, Image, Markdown']] +
                                   [nbformat.v4.new_code_cell(c.source) for c in targets])
    NotebookClient(run, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    for c, r in zip(targets, run.cells[-len(targets):]):
        c.outputs = [o for o in r.outputs if not (o.get('output_type') == 'stream' and o.get('name') == 'stderr')]
        c.execution_count = None
    nbformat.write(nb, path)
    return len(targets)

def refresh_full(path:Path):
    "Execute a whole notebook in its folder and keep its outputs (stderr dropped)."
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs = [o for o in c.outputs if not (o.get('output_type') == 'stream' and o.get('name') == 'stderr')]; c.execution_count = None
    nbformat.write(nb, path)

if __name__ == '__main__':
    os.environ['MOUSTERIAN_PROGRESS'] = '0'
    for p in sorted(NBS.glob('[0-9]*.ipynb')):
        n = refresh(p)
        if n: print(f"{p.relative_to(ROOT)}: {n} cell(s) with measured outputs")
    for p in FULL:
        refresh_full(p); print(f"{p.relative_to(ROOT)}: executed whole, outputs kept")
    subprocess.run([str(Path(sys.executable).parent / 'nbdev-clean')], cwd=ROOT, check=True)
