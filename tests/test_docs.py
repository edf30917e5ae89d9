"The docs as a reader meets them, without Quarto: every page processed by nbdev and rendered by nbconvert; the home page and the study report opened in headless Chromium."
import re, shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
ART = ROOT / 'tests' / 'artifacts'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')

@pytest.fixture(scope='module')
def site():
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'check_docs.py')], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    print('\n' + r.stdout)  # the per-page summary, shown by `make docs-check` (pytest -s)
    return ROOT / '_docs_check', r.stdout

def chromium(url, shot=None):
    assert CHROMIUM, "Debian's chromium is missing: make browser (apt-get install chromium) installs it."
    base = [CHROMIUM, '--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1280,2400']
    if shot: subprocess.run(base + [f'--screenshot={shot}', url], capture_output=True, timeout=180, check=True)
    return subprocess.run(base + ['--dump-dom', url], capture_output=True, text=True, timeout=180, check=True).stdout

def test_every_page_renders(site):
    out, log = site
    nbs = sorted(p.relative_to(ROOT / 'nbs').with_suffix('.html') for p in (ROOT / 'nbs').rglob('*.ipynb'))
    missing = [str(p) for p in nbs if not (out / p).exists()]
    assert not missing, missing

PAGES = [('index.html', 'Quickstart', 2, 0), ('15g_equiv.plots.html', 'Equivalence', 2, 1), ('15b_equiv.law.html', 'lack of fit', 0, 1), ('06_gen.ddpm.html', 'DDPM', 1, 1), ('10_metrics.html', 'Fréchet', 1, 0),
         ('09_learn.html', 'recipe', 0, 1), ('08_mix.html', 'Mix.tensors', 0, 0), ('17c_study.plan.html', 'The study', 0, 1), ('experiments/study_report.html', 'Study report', 3, 1)]

@pytest.mark.parametrize('page,title,min_images,min_tables', PAGES)
def test_page_in_chromium(site, page, title, min_images, min_tables):
    "A page as a reader's browser shows it, rendered without executing anything: its title, its figures and tables, no error."
    out, _ = site
    ART.mkdir(parents=True, exist_ok=True)
    shot = ART / (page.replace('/', '_').replace('.html', '.png'))
    dom = chromium((out / page).as_uri(), shot)
    text = re.sub(r'<[^>]+>', ' ', dom)
    assert title in text
    imgs = re.findall(r'<img[^>]+src="data:image/png;base64,([A-Za-z0-9+/=]{200,})', dom)
    assert len(imgs) >= min_images, f"{page}: {len(imgs)} figures"
    assert dom.count('<table') >= min_tables, f"{page}: {dom.count('<table')} tables"
    assert 'Traceback' not in text and not re.search(r'\b[A-Z]\w*Error: ', text), re.findall(r'.{80}Error: .{80}', text)[:3]
    assert shot.exists() and shot.stat().st_size > 10_000

def test_readme_headline_is_the_published_study():
    "The README's headline paragraph is written from the published study's files, so prose and numbers agree."
    sys.path.insert(0, str(ROOT / 'tools'))
    from publish_study import readme_headline, README_STUDY
    assert (ROOT / 'README.md').read_text() == readme_headline(ROOT / 'bench' / 'results' / f'study-{README_STUDY}'), \
        "README.md's study headline differs from bench/results/study-fmnist-cpu: run `python tools/publish_study.py --readme-only`."

def test_publish_study_refuses_an_unknown_option():
    "publish_study takes its flags or refuses: an unknown option (or --help) publishes nothing."
    import subprocess
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'publish_study.py'), '--dry-run'], capture_output=True, text=True)
    assert r.returncode != 0 and 'unknown option --dry-run' in r.stderr and 'nothing was published' in r.stderr, r
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'publish_study.py'), '--help'], capture_output=True, text=True)
    assert r.returncode == 0 and '--readme-only' in r.stdout and 'Published' not in r.stdout, r

def test_measured_cells_carry_outputs():
    "The docs site renders notebooks without executing them: every cell that shows a measurement keeps its output (tools/bench_outputs.py)."
    import json
    sys.path.insert(0, str(ROOT / 'tools'))
    from bench_outputs import is_bench_cell
    missing = [f"{p.name} cell {c.get('id')}" for p in sorted((ROOT / 'nbs').glob('[0-9]*.ipynb'))
               for c in json.loads(p.read_text())['cells'] if is_bench_cell(c) and not c.get('outputs')]
    assert not missing, f"cells without their measured output: {missing}; run `python tools/bench_outputs.py`."

def test_full_notebooks_carry_outputs():
    "The notebooks executed whole for the docs (the paper's tables refitted) keep an output in every code cell that shows something."
    import json
    sys.path.insert(0, str(ROOT / 'tools'))
    from bench_outputs import FULL
    for p in FULL:
        cells = [c for c in json.loads(p.read_text())['cells'] if c['cell_type'] == 'code']
        shown = [c for c in cells if c.get('outputs')]
        assert len(shown) >= len(cells) - 2, f"{p.name}: {len(cells) - len(shown)} code cells without output; run `python tools/bench_outputs.py`."
        assert sum('image/png' in o.get('data', {}) for c in cells for o in c.get('outputs', [])) >= 4, f"{p.name}: its figures are not stored"

def test_demo_pages_store_fresh_outputs():
    "Every page in tools/bench_outputs.DEMO keeps the output of its shown cells, made by the code the page holds now (source hashes in nbs/outputs.json), under its size budget."
    import json
    sys.path.insert(0, str(ROOT / 'tools'))
    from bench_outputs import DEMO, RECORD, BUDGET, src_hash
    rec = json.loads(RECORD.read_text())
    for p in DEMO:
        nb = json.loads(p.read_text()); mine = rec.get(str(p.relative_to(ROOT / 'nbs')), {})
        kept = [c for c in nb['cells'] if c['cell_type'] == 'code' and c.get('outputs')]
        assert kept, f"{p.name} stores no output: run `python tools/bench_outputs.py --demo`."
        stale = [c['id'] for c in kept if mine.get(c['id']) != src_hash(c)]
        assert not stale, f"{p.name}: the outputs of cells {stale} were made by other code; run `python tools/bench_outputs.py --demo`."
        size = sum(len(json.dumps(c['outputs'])) for c in kept)
        assert size <= BUDGET, f"{p.name} stores {size / 1e3:.0f} KB of output (budget {BUDGET / 1e3:.0f} KB)"
