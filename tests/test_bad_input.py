"""Bad input to every command, as a user gives it: each case ends with a non-zero exit code and one message that names the problem (and the fix), never a traceback, and nothing written before is changed.

The cases run in one fresh process (each command's own entry script through `runpy`, exactly as the console runs it), so the battery costs one import."""
import hashlib, json, os, subprocess, sys, textwrap
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch

BIN = Path(sys.executable).parent

RUNNER = textwrap.dedent('''
    import sys, os, io, json, runpy, contextlib, traceback
    src, dst = sys.argv[1], sys.argv[2]
    cases, results = json.load(open(src)), []
    for c in cases:
        err, out, code = io.StringIO(), io.StringIO(), 0
        sys.argv = [c['cmd'], *c['args']]
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            try: runpy.run_path(os.path.join(os.path.dirname(sys.executable), c['cmd']), run_name='__main__')
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) or e.code is None else 1
                if isinstance(e.code, str): err.write(e.code)
            except BaseException: traceback.print_exc(file=err); code = 'crash'
        results.append(dict(code=code or 0, stderr=err.getvalue(), stdout=out.getvalue()))
    json.dump(results, open(dst, 'w'))
''')

def fixtures(T:Path) -> dict:
    "Files the cases read: broken tables, grids and datasets, a truncated checkpoint, a cut store description, a file where a folder should be."
    from mousterian.equiv import simulate, SMALL, SPARSE
    from mousterian.store import SynStore
    T.mkdir(parents=True, exist_ok=True)
    sim = simulate(SMALL, **SPARSE, rng_seed=0)
    sim.to_csv(T / 'good.csv', index=False)
    (T / 'empty.csv').write_text('')
    (T / 'binary.csv').write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 2000, dtype=np.uint8)))
    (T / 'nocols.csv').write_text('a,b\n1,2\n')
    sim.assign(acc=sim.acc + 60).to_csv(T / 'acc150.csv', index=False)
    sim.astype({'n_base': str}).assign(n_base='1/2').to_csv(T / 'ratio.csv', index=False)
    sim.assign(acc=np.where(np.arange(len(sim)) % 2, sim.acc / 100, sim.acc)).to_csv(T / 'mixed_scale.csv', index=False)
    sim[sim.n_syn_plus == 0].to_csv(T / 'real_only.csv', index=False)
    g = dict(function='mousterian.sweep:run_mix', fixed=dict(dataset='digits', iterations=5), axes=[{'product': {'n_base': [100], 'seed': [0, 1]}}])
    for name, d in dict(unknown_key={**g, 'axis': []}, no_function={k: v for k, v in g.items() if k != 'function'}, empty_grid={**g, 'axes': [{'product': {'x': []}}]}, good=g).items():
        (T / f'{name}.yaml').write_text(json.dumps(d))
    (T / 'malformed.yaml').write_text('function: [unclosed\n  fixed: {a: 1')
    (T / 'afile').write_text('a file, not a folder')
    fm = T / 'fm'; fm.mkdir()
    for s in ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'): (fm / f'{s}.gz').write_bytes(b'not gzip at all')
    (T / 'ckpt').mkdir(); (T / 'ckpt' / 'ckpt.pt').write_bytes(b'PK\x03\x04 truncated')
    st = SynStore.create(T / 'store', ['a', 'b'], 1, 8); st.append(torch.zeros(2, 1, 8, 8, dtype=torch.uint8), [0, 1])
    cut = T / 'cutstore'; import shutil; shutil.copytree(T / 'store', cut); (cut / 'store.json').write_text((cut / 'store.json').read_text()[:40])
    return {}

# (command, arguments, text the message must hold); {T} is the fixtures' folder, {O} a fresh output folder of the case
CASES = [
    # mousterian-data
    ('mousterian-data', ['fashion_mnist'], "Unknown dataset 'fashion_mnist'"),
    ('mousterian-data', ['fashion-mnist', '--root', '{T}/fm'], 'is not a readable IDX file'),
    ('mousterian-data', ['imagenet10', '--root', '{T}/nowhere'], 'does not exist: give the folder that holds'),
    ('mousterian-data', ['cifar10', '--root', '{T}/afile'], 'cifar'),
    ('mousterian-data', ['folder'], 'root'),
    ('mousterian-data', [], 'the following arguments are required: name'),
    # mousterian-fit
    ('mousterian-fit', ['{T}/nope.csv'], 'does not exist'),
    ('mousterian-fit', ['{T}/empty.csv'], 'could not be read as a CSV table'),
    ('mousterian-fit', ['{T}/binary.csv'], 'could not be read as a CSV table'),
    ('mousterian-fit', ['{T}/nocols.csv'], 'n_base'),
    ('mousterian-fit', ['{T}/acc150.csv', '--n-boot', '5'], 'outside [0, 100] percent'),
    ('mousterian-fit', ['{T}/ratio.csv', '--n-boot', '5'], "Column n_base holds values that are not numbers, e.g. ['1/2'"),
    ('mousterian-fit', ['{T}/mixed_scale.csv', '--n-boot', '5'], 'The accuracies mix two scales'),
    ('mousterian-fit', ['{T}/real_only.csv', '--n-boot', '5'], 'No rows with synthetic images'),
    ('mousterian-fit', ['{T}/good.csv', '--n-boot', '-1'], '--n-boot must be 0 or more'),
    ('mousterian-fit', ['{T}/good.csv', '--group', 'generatr'], '--group names columns that are not in'),
    ('mousterian-fit', ['{T}/good.csv', '--e', '0'], '--e must be > 0'),
    ('mousterian-fit', ['{T}/good.csv', '--out', '{T}/afile', '--n-boot', '5'], 'afile'),
    ('mousterian-fit', ['{T}/good.csv', '--n-boot', 'many'], "invalid int value: 'many'"),
    # mousterian-ddpm
    ('mousterian-ddpm', ['trian', '{O}'], "did you mean 'train'?"),
    ('mousterian-ddpm', ['train', '{O}', '--train-steps', '0', '--n-per-class', '5'], 'steps must be at least 1, got 0'),
    ('mousterian-ddpm', ['train', '{O}', '--bs', '0', '--n-per-class', '5'], 'bs must be at least 1, got 0'),
    ('mousterian-ddpm', ['train', '{O}', '--ckpt-every', '0', '--n-per-class', '5'], 'ckpt_every must be at least 1, got 0'),
    ('mousterian-ddpm', ['train', '{O}', '--lr', '-1', '--n-per-class', '5'], 'lr must be > 0'),
    ('mousterian-ddpm', ['train', '{O}', '--per-class', '5'], "--per-class is not a train option (train's size is --n-per-class)"),
    ('mousterian-ddpm', ['train', '{O}', '--steps', '5'], "--steps is not a train option (train's length is --train-steps)"),
    ('mousterian-ddpm', ['sample', '{T}/ckpt', '--store', '{O}', '--n-per-class', '5'], "--n-per-class is not a sample option"),
    ('mousterian-ddpm', ['train', '{O}', '--n-per-class', '-3'], '--n-per-class must be a whole number >= 0'),
    ('mousterian-ddpm', ['train', '{O}', '--n-per-class', '7000'], '7000'),
    ('mousterian-ddpm', ['train', '{O}', '--pool', 'everything'], "pool must be 'base' or 'gen_pool'"),
    ('mousterian-ddpm', ['train', '{O}', '--preset', 'fmnist_cpu', '--n-per-class', '5'], 'fmnist_cpu'),
    ('mousterian-ddpm', ['train', '{O}', '--dataset', 'fashion_mnist'], "Unknown dataset 'fashion_mnist'"),
    ('mousterian-ddpm', ['train', '{O}', '--device', 'cuda', '--n-per-class', '5', '--train-steps', '1'], 'cuda'),
    ('mousterian-ddpm', ['train', '{T}/ckpt', '--n-per-class', '5', '--train-steps', '2', '--preset', 'tiny'], 'is not a plain checkpoint'),
    ('mousterian-ddpm', ['train', '{T}/afile', '--n-per-class', '5', '--train-steps', '1', '--preset', 'tiny'], 'afile'),
    ('mousterian-ddpm', ['sample', '{T}/ckpt'], 'sample needs --store'),
    ('mousterian-ddpm', ['sample', '{T}/nowhere', '--store', '{O}'], 'holds no trained DDPM'),
    ('mousterian-ddpm', ['sample', '{T}/ckpt', '--store', '{O}', '--steps', '0'], 'sampling.steps must be > 0, got 0'),
    ('mousterian-ddpm', ['sample', '{T}/ckpt', '--store', '{O}', '--sampler', 'dpm'], 'holds no trained DDPM'),
    # mousterian-sweep
    ('mousterian-sweep', ['{T}/unknown_key.yaml', '{O}'], "'axis'"),
    ('mousterian-sweep', ['{T}/no_function.yaml', '{O}'], 'function'),
    ('mousterian-sweep', ['{T}/empty_grid.yaml', '{O}'], 'the axis product.x is empty'),
    ('mousterian-sweep', ['{T}/malformed.yaml', '{O}'], 'YAML'),
    ('mousterian-sweep', ['{T}/nope.yaml', '{O}'], 'nope.yaml'),
    ('mousterian-sweep', ['{T}/good.yaml', '{O}', '--mode', 'in-process'], "did you mean 'inprocess'?"),
    ('mousterian-sweep', ['{T}/good.yaml', '{O}', '--backend', 'slurm'], 'slurm'),
    ('mousterian-sweep', ['{T}/good.yaml', '{O}', '--workers', '0'], 'workers'),
    ('mousterian-sweep', ['{T}/good.yaml', '{T}/afile'], 'afile'),
    # mousterian-study
    ('mousterian-study', ['fmnist_cpu', '--out', '{O}'], "Unknown study 'fmnist_cpu'"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--steps', ','], 'No steps to run'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--steps', 'train,fit'], 'Unknown steps fit'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: [1'], 'invalid YAML'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '[1, 2]'], '--set takes a YAML mapping'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{sampling: {steps: many}}'], 'sampling.steps must be a whole number'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {seeds: []}}'], 'grid.seeds is empty'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{filter: {q: 1.5}}'], 'filter.q must be in [0, 1)'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{n_bases_per_class: [0]}'], 'n_bases_per_class must be a list of positive'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{recipe: gpu}'], 'gpu'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {internal: {kind: t2i, model: x}}}'], 'The internal generator is a DDPM'),
    ('mousterian-study', ['imagenet10-paper', '--out', '{O}', '--set', '{generators: {external: {templates: ["a {c}"], strategy: captions, lm: tiny}}}'], 'generators.external.templates does not act with strategy'),
    ('mousterian-study', ['imagenet10-paper', '--out', '{O}', '--set', '{generators: {external: {strength: 0.3}}}'], 'strength acts only with real_shots'),
    ('mousterian-study', ['fmnist-cpu', '--out', '{O}', '--set', '{image_size: 32}'], 'fashion-mnist has a size of its own: leave image_size unset'),
    ('mousterian-study', ['own', '--out', '{O}'], 'generators.external.path is not set'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {Retrieval: {kind: real, path: "{T}"}}}'], "an arm's name is lower-case letters"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {retrieval: {kind: real}}}'], 'generators.retrieval: give either path'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {retrieval: {kind: real, dataset: fashion-mnist}}}'], "its extra real images are the real curve already"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {retrieval: {kind: real, dataset: fashion_mnist}}}'], "is not a registered dataset"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {retrieval: {kind: real, path: "{T}", split: test}}}'], 'split acts only with dataset'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{design: {truth: [1, 2]}}'], 'design.truth takes the six law parameters'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{design: {noise: 0}}'], 'design.noise must be > 0'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {arm_bases: {internl: [10]}}}'], "there is no arm 'internl'"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {arm_bases: {internal: [15]}}}'], "must be a non-empty list of the study's base sizes [10, 20]"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {arm_bases: {internal: []}}}'], "must be a non-empty list"),
    ('mousterian-study', ['tiny', '--out', '{T}/afile', '--steps', 'train'], 'afile'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--redo', 'grid'], '--redo takes train and/or generate'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {split_seeds: [0, 0]}}'], 'split_seeds must be distinct whole numbers'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {split_seeds: [0, 1, 2]}}'], 'pair_seeds zips split_seeds and seeds'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{grid: {arm_syn: {repeet: [1]}}}'], "grid.arm_syn.repeet: there is no arm 'repeet'"),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{fit: {read_at: {r_syn: 3}}}'], 'fit.read_at r_syn = 3 is not a ratio the grid measures'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{fit: {read_at: {rsyn: 1}}}'], 'fit.read_at declares one reading'),
    ('mousterian-study', ['tiny', '--out', '{O}', '--set', '{generators: {internal: null, external: null}}'], 'generators.internal.kind is None'),
    ('mousterian-study', ['{T}/malformed.yaml', '--out', '{O}'], 'is not valid YAML'),
    # mousterian-generate
    ('mousterian-generate', ['{T}/nowhere', '{O}'], 'nowhere'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--dataset', 'imagenet_10'], 'imagenet_10'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--strategy', 'captionz'], 'captionz'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--lm', 'tiny'], '--lm does not act with --strategy template'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--strategy', 'le', '--template', 'a {c}'], '--template does not act with --strategy le'),
    ('mousterian-generate', ['{T}/nowhere', '{O}', '--template', 'a photo of a pet'], 'prompts do not name their class'),
    # mousterian-store
    ('mousterian-store', ['exprot', '{T}/store', '{O}'], "did you mean 'export'?"),
    ('mousterian-store', ['export', '{T}/afile', '{O}'], 'is neither a store'),
    ('mousterian-store', ['export', '{T}/store'], 'export needs a destination folder'),
    ('mousterian-store', ['export', '{T}/store', '{T}/fm'], 'exists and is not an empty folder'),
    ('mousterian-store', ['export', '{T}/cutstore', '{O}'], 'store.json is truncated or not JSON'),
    ('mousterian-store', ['verify', '{T}/store'], 'is not an export'),
    ('mousterian-store', ['import', '{T}/store', '{O}'], 'is not a store export'),
]

def _tree_hash(d:Path) -> dict:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob('*')) if p.is_file()}

@pytest.fixture(scope='module')
def battery(tmp_path_factory):
    T = tmp_path_factory.mktemp('bad'); fixtures(T / 'in')
    before = _tree_hash(T / 'in')
    cases = [dict(cmd=c, args=[a.replace('{T}', str(T / 'in')).replace('{O}', str(T / 'out' / str(i))) for a in args]) for i, (c, args, _) in enumerate(CASES)]
    (T / 'cases.json').write_text(json.dumps(cases))
    env = {**os.environ, 'MOUSTERIAN_PROGRESS': '0', 'MOUSTERIAN_DEVICE': 'cpu', 'CUDA_VISIBLE_DEVICES': ''}
    r = subprocess.run([sys.executable, '-c', RUNNER, str(T / 'cases.json'), str(T / 'results.json')], capture_output=True, text=True, timeout=1200, env=env, cwd=T)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads((T / 'results.json').read_text()), before, _tree_hash(T / 'in'), T

def test_battery_size(): assert len(CASES) >= 60

@pytest.mark.parametrize('i', range(len(CASES)), ids=[f"{c}-{' '.join(a)[:40]}" for c, a, _ in CASES])
def test_bad_input(battery, i):
    res, *_ = battery
    cmd, args, want = CASES[i]; r = res[i]
    assert r['code'] not in (0, 'crash'), f"exit {r['code']}: {r['stderr'][-1500:]}"
    assert 'Traceback' not in r['stderr'], r['stderr'][-2000:]
    assert want in r['stderr'], r['stderr'][-1500:]
    last = [l for l in r['stderr'].strip().splitlines() if l.strip()]
    assert last and (last[-1].startswith('error:') or 'error:' in last[-1]), r['stderr'][-1500:]

def test_nothing_written_before_is_changed(battery):
    _, before, after, _ = battery
    assert before == after
