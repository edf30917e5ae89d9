"""Store the outputs of the cells that show measurements (`bench_result(...)`) in the library notebooks, so the docs site
(Quarto renders the notebooks without executing them) shows the measured numbers: `python tools/bench_outputs.py`.
Each notebook's import cells and those cells run in a fresh kernel; every other cell keeps no output. Run it after a bench
writes new results to bench/results/. The notebooks in FULL (the paper's tables refitted: seconds to run, and their tables and
figures are the page) and the pages in DEMO (the home page and the library pages a reader learns from: every demo cell shows its
table or figure) are executed whole and keep every output (`--demo` refreshes the DEMO pages only; `--demo NAME...` those named). The source hash of every cell
that keeps an output goes into nbs/outputs.json, so a test finds an output made by older code (stale); each page stays under BUDGET."""
import os, re, subprocess, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
FULL = [NBS / 'paper' / 'equivalence_paper.ipynb']
DEMO = [NBS / f for f in ('index.ipynb', '06_gen.ddpm.ipynb', '10_metrics.ipynb', '08_mix.ipynb', '09_learn.ipynb', '15_equiv.ipynb', '15a_equiv.results.ipynb', '15b_equiv.law.ipynb',
                                    '15c_equiv.curves.ipynb', '15d_equiv.answers.ipynb', '15e_equiv.words.ipynb', '15f_equiv.scenarios.ipynb', '15g_equiv.plots.ipynb',
                                    '15h_equiv.report.ipynb', '17_study.ipynb', '17b_study.config.ipynb', '17c_study.plan.ipynb',
                                    '17d_study.steps.ipynb', '17e_study.headline.ipynb', '17db_study.ladder.ipynb')]
RECORD, BUDGET = NBS / 'outputs.json', 300_000  # bytes of stored output per page

def src_hash(c) -> str:
    import hashlib
    return hashlib.sha1(''.join(c['source']).encode()).hexdigest()[:12]

def record(path:Path):
    "Write the source hash of every cell of `path` that keeps an output into RECORD."
    import json
    nb = json.loads(path.read_text())
    rec = json.loads(RECORD.read_text()) if RECORD.exists() else {}
    rec[str(path.relative_to(NBS))] = {c['id']: src_hash(c) for c in nb['cells'] if c['cell_type'] == 'code' and c.get('outputs')}
    RECORD.write_text(json.dumps(rec, indent=1, sort_keys=True) + '\n')

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

def _shown(c) -> bool:
    "A cell whose output a reader should see: not an exported definition, not hidden."
    s = c.source.lstrip()
    return not (s.startswith('#| export') or s.startswith('#| hide') or s.startswith('#|hide'))

def refresh_full(path:Path, demo:bool=False):
    "Execute a whole notebook in its folder and keep its outputs (stderr dropped; for a DEMO page, the outputs of shown cells only, figures at 72 dpi)."
    nb = nbformat.read(path, as_version=4)
    if demo: nb.cells.insert(0, nbformat.v4.new_code_cell("import matplotlib; matplotlib.rcParams['figure.dpi'] = 72"))
    NotebookClient(nb, timeout=1200, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    if demo: nb.cells.pop(0)
    for c in nb.cells:
        if c.cell_type == 'code':
            c.outputs = [o for o in c.outputs if not (o.get('output_type') == 'stream' and o.get('name') == 'stderr')] if (_shown(c) or not demo) else []
            c.execution_count = None
    nbformat.write(nb, path)

if __name__ == '__main__':
    os.environ['MOUSTERIAN_PROGRESS'] = '0'
    demo_only = '--demo' in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith('--')]  # e.g. --demo 15_equiv: those DEMO pages only
    every_demo = DEMO
    if only: DEMO = [p for p in DEMO if p.stem in only]
    if not demo_only:
        for p in sorted(NBS.glob('[0-9]*.ipynb')):
            if p in every_demo: continue  # a DEMO page is refreshed whole or not at all, never as a plain page
            n = refresh(p)
            if n: print(f"{p.relative_to(ROOT)}: {n} cell(s) with measured outputs")
        for p in FULL:
            refresh_full(p); print(f"{p.relative_to(ROOT)}: executed whole, outputs kept")
    for p in DEMO:
        refresh_full(p, demo=True); print(f"{p.relative_to(ROOT)}: executed whole, the outputs of its shown cells kept")
    subprocess.run([str(Path(sys.executable).parent / 'nbdev-clean')], cwd=ROOT, check=True)
    for p in DEMO + ([] if demo_only else [q for q in sorted(NBS.glob('[0-9]*.ipynb')) if q not in every_demo] + FULL): record(p)
