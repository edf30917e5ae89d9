"""The docs check that runs without Quarto (`make docs-check`):
1. nbdev's page processing (`nbdev-proc-nbs`) must succeed on every notebook (into _proc/);
2. nothing is executed, as Quarto executes nothing: every page shows the outputs its notebook stores (tools/bench_outputs.py
   stores them); the study report page is the published, executed report of the fmnist-cpu study
   (bench/results/study-fmnist-cpu/report.ipynb, written by tools/publish_study.py), or, where none is published, the template as stored;
3. every processed page renders to HTML with nbconvert into _docs_check/, and no executed page shows a Python traceback.
Prints one line per page; exits non-zero on any failure."""
import os, shutil, subprocess, sys, json
from pathlib import Path
import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
PROC, OUT = ROOT / '_proc', ROOT / '_docs_check'
PUBLISHED = ROOT / 'bench' / 'results' / 'study-fmnist-cpu' / 'report.ipynb'

KEYS = {'cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count', 'attachments'}

def read(p):
    "A processed notebook as nbformat reads it, without the keys nbdev's processing adds to cells (e.g. has_sd) and the execution timings, which nbformat's schema refuses."
    nb = json.loads(Path(p).read_text())
    for c in nb['cells']:
        for k in set(c) - KEYS: del c[k]
        c.get('metadata', {}).pop('execution', None)  # execution timings in a form the schema refuses
    return nbformat.reads(json.dumps(nb), as_version=4)

def main():
    shutil.rmtree(PROC, ignore_errors=True); shutil.rmtree(OUT, ignore_errors=True)
    bin_dir = Path(sys.executable).parent
    r = subprocess.run([str(bin_dir / 'nbdev-proc-nbs')], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0: sys.exit(f"nbdev-proc-nbs failed:\n{r.stderr[-3000:]}")
    pages = sorted(p for p in PROC.rglob('*.ipynb'))
    if len(pages) < len(list((ROOT / 'nbs').rglob('*.ipynb'))): sys.exit(f"nbdev-proc-nbs processed {len(pages)} notebooks of {len(list((ROOT / 'nbs').rglob('*.ipynb')))}.")
    env = dict(os.environ, MOUSTERIAN_PROGRESS='0')
    os.environ.update(env)
    rep = PROC / 'experiments' / 'study_report.ipynb'
    if PUBLISHED.exists(): shutil.copy(PUBLISHED, rep); src = f'published report {PUBLISHED.relative_to(ROOT)}'
    else: src = 'the template as stored (no published study)'
    print(f"study report page: {src}")
    bad = []
    for p in pages:
        nb = read(p)
        html, _ = HTMLExporter().from_notebook_node(nb)
        dst = OUT / p.relative_to(PROC).with_suffix('.html'); dst.parent.mkdir(parents=True, exist_ok=True); dst.write_text(html)
        errs = [o for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', []) if o.get('output_type') == 'error']
        if errs or 'Traceback (most recent call last)' in html: bad.append(p.relative_to(PROC))
        n_img = html.count('<img')
        print(f"  {str(p.relative_to(PROC)):<42} {len(html) / 1024:7.0f} KB  {n_img:3d} images{'  ERROR OUTPUT' if p.relative_to(PROC) in bad else ''}")
    if bad: sys.exit(f"Pages with Python errors: {', '.join(map(str, bad))}")
    print(f"{len(pages)} pages processed by nbdev and rendered to HTML in {OUT.relative_to(ROOT)}/")

if __name__ == '__main__': main()
